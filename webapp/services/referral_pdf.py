"""The referral (жолдама / направление) as a PDF in Kazakh and Russian: fpdf2 with DejaVu Sans (it
has every letter of the Kazakh alphabet: ә ғ қ ң ө ұ ү һ і) and a QR code (segno) that leads to the
public verification page."""
import io
import logging
from pathlib import Path

import segno
from fpdf import FPDF

from . import calendar

# fpdf2 subsets the font with fontTools, which logs every glyph list at INFO: noise in the web log.
logging.getLogger("fontTools").setLevel(logging.WARNING)

FONTS = Path(__file__).resolve().parent.parent / "fonts"

LABELS = {  # (Kazakh, Russian): the paper is bilingual whatever the parent's language
    "title": ("Балабақшаға жолдама", "Направление в детский сад"),
    "number": ("Жолдама нөмірі", "Номер направления"),
    "application": ("Өтініш", "Заявление"),
    "child": ("Бала", "Ребёнок"),
    "born": ("Туған күні", "Дата рождения"),
    "kindergarten": ("Балабақша", "Детский сад"),
    "group": ("Топ", "Группа"),
    "address": ("Мекенжайы", "Адрес"),
    "issued": ("Берілген күні", "Дата выдачи"),
    "due": ("Құжаттарыңызбен келіңіз, мерзімі", "Явиться с документами до"),
    "verify": ("Тексеру", "Проверка"),
}
NOTE = (
    "Шарт осы мерзімге дейін жасалмаса, жолдама күшін жояды және өтініш 10 жұмыс күніне стоп-параққа түседі.",
    "Если договор не заключён до этого срока, направление утрачивает силу и заявление попадает в стоп-лист "
    "на 10 рабочих дней.",
)


def render(referral, verify_url: str) -> bytes:
    seat = referral.seat
    bulletin = seat.bulletin
    application = referral.application
    child = application.child
    district = application.district
    kindergarten = bulletin.kindergarten
    rows = [
        ("number", referral.number),
        ("application", application.number),
        ("child", child.full_name),
        ("born", child.birth_date.strftime("%d.%m.%Y")),
        ("kindergarten", " / ".join(dict.fromkeys((kindergarten.name_kk, kindergarten.name_ru)))),
        ("group", bulletin.group.name),
        ("address", kindergarten.address),
        ("issued", calendar.local_day_text(district, referral.issued_at)),
        ("due", calendar.local_day_text(district, referral.due_at)),
    ]
    pdf = FPDF(format="A4")
    pdf.set_title(f"{LABELS['title'][0]} / {LABELS['title'][1]} {referral.number}")
    pdf.set_creator("Kezek")
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 16)
    pdf.multi_cell(0, 8, LABELS["title"][0], new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(0, 8, LABELS["title"][1], new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    for key, value in rows:
        kk, ru = LABELS[key]
        pdf.set_font("DejaVu", "", 9)
        pdf.multi_cell(0, 5, f"{kk} / {ru}", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "B", 12)
        pdf.multi_cell(0, 7, value or "—", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
    pdf.ln(2)
    pdf.set_font("DejaVu", "", 9)
    for line in NOTE:
        pdf.multi_cell(0, 5, line, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    qr = io.BytesIO()
    segno.make(verify_url, error="m").save(qr, kind="png", scale=4, border=2)
    qr.seek(0)
    top = pdf.get_y()
    pdf.image(qr, x=pdf.l_margin, y=top, w=35, h=35)
    pdf.set_xy(pdf.l_margin + 40, top + 4)
    pdf.multi_cell(0, 5, f"{LABELS['verify'][0]} / {LABELS['verify'][1]}:", new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(pdf.l_margin + 40)
    pdf.multi_cell(0, 5, verify_url, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
