"""The department's reports laid out for reading: each report's figures (services.reports) as one
table — translated column titles, the cells as the page shows them and as CSV carries them — and
a small chart of the same figures. The page and the CSV come from one ``Table``, so they agree."""
from dataclasses import dataclass, field

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from ..services import reports
from . import formats, languages
from .charts import bar_chart
from .labels import TEACHING_LANGUAGES


@dataclass
class Table:
    columns: list[str]
    rows: list[list] = field(default_factory=list)  # raw values: numbers, text, None
    shown: list[list[str]] = field(default_factory=list)  # the same, as the page shows them
    chart: Markup = Markup("")
    first_numeric: int = 1  # columns from this one on are figures (aligned right)

    @property
    def csv_rows(self) -> list[list]:
        return [["" if value is None else value for value in row] for row in self.rows]


REPORTS = {
    "queue": (_l("Queue size"),
              _l("Waiting applications by locality, language of instruction and birth year, by privilege tier.")),
    "movement": (_l("Movement by month"),
                 _l("Invitations, responses, referrals, enrolments and stop-lists in each of the last twelve months.")),
    "time-to-enrolment": (_l("Time to enrolment"),
                          _l("Median working days from the invitation to the enrolment, by month of enrolment.")),
    "free-places": (
        _l("Free places"),
        _l("Capacity, enrolled children, places being filled, places on offer and free places, by kindergarten.")),
}


def build(name: str, session, district_id: int, now) -> Table:
    return _BUILDERS[name](session, district_id, now)


def _shown(row: list) -> list[str]:
    return [formats.number(value) if isinstance(value, (int, float)) else ("—" if value is None else str(value))
            for value in row]


def _table(columns, rows, chart, first_numeric=1) -> Table:
    return Table([str(c) for c in columns], rows, [_shown(row) for row in rows], chart, first_numeric)


def _queue(session, district_id, now) -> Table:
    lang = languages.current()
    found = reports.queue_sizes(session, district_id)
    rows = [[row.locality.name_in(lang), str(TEACHING_LANGUAGES[row.language]), str(row.birth_year),
             row.extraordinary, row.priority, row.ordinary, row.total] for row in found]
    years = sorted({row.birth_year for row in found})
    series = [(str(TEACHING_LANGUAGES[code]),
               [sum(r.total for r in found if r.birth_year == year and r.language == code) for year in years])
              for code in ("kk", "ru")]
    chart = bar_chart(str(_l("Waiting applications by birth year")), [str(y) for y in years], series)
    return _table([_l("Locality"), _l("Language"), _l("Birth year"), _l("Extraordinary"), _l("Priority"),
                   _l("No privilege"), _l("Total")], rows, chart, first_numeric=3)


MOVEMENT_TITLES = {"invitations": _l("Invitations"), "responses": _l("Responses"), "referrals": _l("Referrals"),
                   "enrolments": _l("Enrolments"), "stop_lists": _l("Stop-lists")}


def _month_label(month) -> str:
    return format_date(month, "MM.yy")


def _movement(session, district_id, now) -> Table:
    found = reports.monthly_movement(session, district_id, now)
    rows = [[formats.month(row["month"]), *(row[kind] for kind in reports.MOVEMENT)] for row in found]
    series = [(str(MOVEMENT_TITLES[kind]), [row[kind] for row in found]) for kind in reports.MOVEMENT]
    chart = bar_chart(str(_l("Movement by month")), [_month_label(row["month"]) for row in found], series)
    table = _table([_l("Month"), *MOVEMENT_TITLES.values()], rows, chart)
    for raw, row in zip(table.rows, found):
        raw[0] = f"{row['month']:%Y-%m}"  # the CSV keeps a sortable month
    return table


def _time_to_enrolment(session, district_id, now) -> Table:
    found = reports.time_to_enrolment(session, district_id, now)
    rows = [[formats.month(row["month"]), row["enrolments"], row["median"], row["longest"]] for row in found]
    chart = bar_chart(str(_l("Median working days from invitation to enrolment")),
                      [_month_label(row["month"]) for row in found],
                      [(str(_l("Median, working days")), [row["median"] for row in found])])
    table = _table([_l("Month"), _l("Enrolments"), _l("Median, working days"), _l("Longest, working days")],
                   rows, chart)
    for raw, row in zip(table.rows, found):
        raw[0] = f"{row['month']:%Y-%m}"
    return table


def _free_places(session, district_id, now) -> Table:
    lang = languages.current()
    found = reports.free_places(session, district_id)
    rows = [[row["kindergarten"].name_in(lang), row["kindergarten"].locality.name_in(lang), row["capacity"],
             row["enrolled"], row["claimed"], row["offered"], row["free"]] for row in found]
    localities = list(dict.fromkeys(row["kindergarten"].locality.name_in(lang) for row in found))
    series = [(str(title), [sum(row[key] for row in found if row["kindergarten"].locality.name_in(lang) == name)
                            for name in localities])
              for key, title in (("offered", _l("On offer")), ("free", _l("Free, not on offer")))]
    chart = bar_chart(str(_l("Places on offer and free places by locality")), localities, series)
    return _table([_l("Kindergarten"), _l("Locality"), _l("Capacity"), _l("Enrolled"), _l("Being filled"),
                   _l("On offer"), _l("Free, not on offer")], rows, chart, first_numeric=2)


_BUILDERS = {"queue": _queue, "movement": _movement, "time-to-enrolment": _time_to_enrolment,
             "free-places": _free_places}
