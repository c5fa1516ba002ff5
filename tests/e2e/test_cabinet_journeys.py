"""A new parent's whole journey in Chromium against the app served on localhost with a real database:
sign up, confirm the phone (the code read from the SMS outbox), add a child, apply, see the position
on the public lookup; a bulletin is published and distribution invites the child; respond; the
kindergarten activates (through the staff service); download the referral PDF and read its text;
the contract is recorded; "Enrolled". Again with JavaScript off, in Kazakh. And the deadline journey:
invited, the clock passes the 3rd working day, the sweep stop-lists, the cabinet says why and until
when. axe-core runs on every page the parent sees.

These journeys change data, so they run on a demo server of their own (not the shared one)."""
import io
import re
from datetime import date, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import Application, Bulletin, Child, Group, Kindergarten, Notification, Seat, User
from webapp.services import bulletins, clock, iin, referrals, sweep, tasks
from webapp.services.actors import Actor

from ..conftest import DEFAULT_NOW, PG_URL
from .conftest import BACKENDS, PHONE, _page, _Sites, describe_violations, screenshot, serious_violations

NUMBER = re.compile(r"[A-Z]{2}-\d{4}-\d{6}")
PASSWORD = "Steppe-wind-2026"


@pytest.fixture(scope="module")
def _own_sites(tmp_path_factory):
    sites = _Sites(tmp_path_factory.mktemp("e2e-cabinet"), schema="kezek_e2e_cabinet")
    yield sites
    sites.stop()


@pytest.fixture
def own_site(request, _own_sites):
    backend = getattr(request, "param", "sqlite")
    if backend == "postgresql" and not PG_URL:
        pytest.skip("TEST_DATABASE_URL is not set: no PostgreSQL to test against")
    return _own_sites.get(backend)


@pytest.fixture
def tab(browser, own_site, request):
    javascript = getattr(request, "param", True)
    context, page = _page(browser, own_site, javascript=javascript)
    yield page
    context.close()


class Journey:
    def __init__(self, site, page, language: str, serial: int, javascript: bool = True):
        self.site, self.page, self.language, self.serial = site, page, language, serial
        self.javascript = javascript
        self.problems: list[str] = []

    # --- the world behind the pages (services, as staff and the department would act) --------------

    def db(self):
        return self.site.app.app_context()

    def empty_segment(self) -> Group:
        """A group whose queue (locality, language, birth year) nobody waits in and no bulletin is
        open for, so that the new child is first and the next bulletin invites it."""
        with self.db():
            groups = db.session.scalars(select(Group).where(Group.birth_year == DEFAULT_NOW.year - 1)
                                        .order_by(Group.id)).all()
            for group in groups:
                kindergarten = db.session.get(Kindergarten, group.kindergarten_id)
                segment = (kindergarten.locality_id, group.language, group.birth_year)
                waiting = db.session.scalar(select(func.count()).select_from(Application).where(
                    Application.locality_id == segment[0], Application.language == segment[1],
                    Application.birth_year == segment[2], Application.status.not_in(("enrolled", "withdrawn", "aged_out"))))
                open_bulletins = db.session.scalar(select(func.count()).select_from(Bulletin).where(
                    Bulletin.locality_id == segment[0], Bulletin.language == segment[1],
                    Bulletin.birth_year == segment[2], Bulletin.status == "published"))
                if not waiting and not open_bulletins and group.free_places > 2:
                    db.session.expunge_all()
                    return group.id, kindergarten.locality_id, group.language, kindergarten.id
        raise AssertionError("no empty segment in the demo district")

    def publish_bulletin(self, group_id: int, kindergarten_id: int) -> None:
        with self.db():
            staff = Actor.of(db.session.scalar(select(User).where(User.kindergarten_id == kindergarten_id)))
            bulletin = bulletins.create(db.session, group_id, 1, staff, clock.now())
            bulletins.publish(db.session, bulletin.id, staff, clock.now())
            tasks.commit(db.session)  # distribution runs after the commit
            db.session.remove()

    def as_staff(self, action, application_id: int):
        """``action`` by the staff of the kindergarten holding the application's seat; plain values
        of what it returns (the session is closed afterwards)."""
        with self.db():
            bulletin_id = db.session.scalar(select(Seat.bulletin_id).where(
                Seat.application_id == application_id, Seat.state != "released"))
            kindergarten_id = db.session.get(Bulletin, bulletin_id).kindergarten_id
            staff = Actor.of(db.session.scalar(select(User).where(User.kindergarten_id == kindergarten_id)))
            result = action(db.session, application_id, staff, clock.now())
            tasks.commit(db.session)
            plain = (result.number, result.token) if result is not None else None
            db.session.remove()
            return plain

    def status(self, application_id: int) -> str:
        with self.db():
            status = db.session.get(Application, application_id).status
            db.session.remove()
            return status

    def sms_code(self, phone: str) -> str:
        with self.db():
            body = db.session.scalar(select(Notification.body).where(
                Notification.channel == "sms", Notification.recipient == phone,
                Notification.event == "phone_code.confirm_phone").order_by(Notification.id.desc()))
            db.session.remove()
        return re.search(r"\d{6}", body).group(0)

    def free_iin(self, born: date, sex: str, start: int) -> str:
        with self.db():
            for serial in range(start, start + 500):
                number = iin.make(born, sex, serial)
                if number and not db.session.scalar(select(Child.id).where(Child.iin == number)):
                    db.session.remove()
                    return number
        raise AssertionError("no free IIN")

    # --- the browser -----------------------------------------------------------------------------------

    def look(self, name: str) -> None:
        """Every page the parent sees: one <h1>, no sideways scrolling, nothing serious for axe."""
        page = self.page
        assert page.locator("html").get_attribute("lang") == self.language
        assert page.locator("h1").count() == 1, page.url
        screenshot(page, f"journey-{self.language}{'' if self.javascript else '-nojs'}-{name}.png")
        if not self.javascript:  # page.evaluate needs JavaScript; axe runs on the same pages with it on
            return
        width = page.evaluate("() => document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            self.problems.append(f"{page.url}: {width} px wide")
        violations = serious_violations(page)
        if violations:
            self.problems.append(f"{page.url}:\n{describe_violations(violations)}")

    def submit(self, field: str | None = None) -> None:
        """Press the submit button of the form holding ``field`` (else of the page's only form)."""
        forms = self.page.locator("main form[method=post]")
        form = forms.filter(has=self.page.locator(field)) if field else forms
        form.first.locator("button[type=submit]").click()
        self.page.wait_for_load_state()

    def sign_up(self) -> str:
        page = self.page
        phone = f"+7707{self.serial:07d}"
        page.goto(f"/account/sign-up?lang={self.language}")
        self.look("sign-up")
        page.fill("input[name=phone]", phone)
        page.fill("input[name=full_name]", "Сейітова Айгүл Маратқызы")
        page.fill("input[name=iin]", self.free_iin(date(1990, 3, 14), "F", 1000 + self.serial % 5000))
        page.fill("input[name=password]", PASSWORD)
        page.fill("input[name=password_again]", PASSWORD)
        self.submit("input[name=phone]")
        assert "/account/confirm-phone" in page.url, page.url
        page.fill("input[name=code]", self.sms_code(phone))
        self.submit("input[name=code]")
        assert "confirm-phone" not in page.url
        return phone

    def add_child(self, born: date) -> None:
        page = self.page
        page.goto("/cabinet/")
        self.look("cabinet-empty")
        page.locator("main a[href$='/cabinet/children/new']").click()
        page.wait_for_load_state()
        self.look("add-child")
        page.fill("input[name=iin]", self.free_iin(born, "M", 7000 + self.serial % 2000))
        page.fill("input[name=surname]", "Сейітов")
        page.fill("input[name=name]", "Әлихан")
        self.submit("input[name=iin]")
        assert page.url.rstrip("/").endswith("/cabinet"), page.url

    def apply(self, locality_id: int, language: str) -> tuple[int, str]:
        page = self.page
        page.locator("main a[href$='/apply']").first.click()
        page.wait_for_load_state()
        self.look("apply")
        page.select_option("select[name=locality]", str(locality_id))
        page.check(f"input[name=language][value={language}]")
        self.submit("select[name=locality]")
        match = re.search(r"/cabinet/applications/(\d+)", page.url)
        assert match, page.url
        number = NUMBER.search(page.locator("h1").inner_text()).group(0)
        assert page.locator(".position__number strong").inner_text() == "1"
        self.look("application-queued")
        return int(match.group(1)), number

    def application(self, application_id: int, name: str) -> None:
        self.page.goto(f"/cabinet/applications/{application_id}")
        self.look(name)

    def current_step(self) -> int:
        steps = self.page.locator(".steps li")
        for index in range(steps.count()):
            if steps.nth(index).get_attribute("aria-current") == "step":
                return index + 1
        return 0


def _main_journey(journey: Journey) -> None:
    page = journey.page
    group_id, locality_id, language, kindergarten_id = journey.empty_segment()
    journey.sign_up()
    journey.add_child(date(DEFAULT_NOW.year - 1, 4, 2))
    application_id, number = journey.apply(locality_id, language)
    # The public lookup shows the same position.
    page.goto(f"/queue/lookup?q={number}")
    assert page.locator(".position__number strong").inner_text() == "1"
    # A bulletin is published; distribution invites the child.
    journey.publish_bulletin(group_id, kindergarten_id)
    assert journey.status(application_id) == "invited"
    journey.application(application_id, "step-1-invited")
    assert journey.current_step() == 1
    page.locator("main a[href*='/respond/']").first.click()
    page.wait_for_load_state()
    journey.look("respond-confirm")
    journey.submit()
    assert journey.status(application_id) == "responded"
    journey.look("step-2-waiting")
    assert journey.current_step() == 2
    # The kindergarten activates the response: the referral is issued.
    referral_number, token = journey.as_staff(referrals.activate, application_id)
    journey.application(application_id, "step-3-referral")
    assert journey.current_step() == 3
    with page.expect_download() as download:
        page.locator("main a[href$='/referral.pdf']").click()
    with open(download.value.path(), "rb") as pdf:
        data = pdf.read()
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert referral_number in text and number in text and "Әлихан" in text
    assert "Балабақшаға жолдама" in text and "Направление в детский сад" in text
    assert f"/verify/{token}" in text
    # The contract is recorded: "Enrolled".
    journey.as_staff(referrals.enrol, application_id)
    journey.application(application_id, "step-4-enrolled")
    assert journey.current_step() == 4
    assert page.locator(".status--enrolled").count() >= 1
    page.goto("/cabinet/inbox")
    journey.look("inbox")
    assert number in page.locator("main").inner_text()
    assert not journey.problems, "\n".join(journey.problems)


@pytest.mark.parametrize("own_site", BACKENDS, indirect=True)
def test_main_journey_in_russian(own_site, tab):
    _main_journey(Journey(own_site, tab, "ru", 100 + (own_site.backend == "postgresql")))
    assert not tab.problems, tab.problems


@pytest.mark.parametrize("tab", [False], indirect=True, ids=["no-js"])
def test_main_journey_without_javascript_in_kazakh(own_site, tab):
    _main_journey(Journey(own_site, tab, "kk", 200, javascript=False))


def test_deadline_journey(own_site, tab):
    journey = Journey(own_site, tab, "kk", 300)
    group_id, locality_id, language, kindergarten_id = journey.empty_segment()
    journey.sign_up()
    journey.add_child(date(DEFAULT_NOW.year - 1, 7, 9))
    application_id, _ = journey.apply(locality_id, language)
    journey.publish_bulletin(group_id, kindergarten_id)
    assert journey.status(application_id) == "invited"
    # The clock moves past the end of the 3rd working day; the sweep stop-lists the application.
    with journey.db():
        later = DEFAULT_NOW + timedelta(days=8)
        sweep.run(db.session, later)
        tasks.commit(db.session)
        until = db.session.get(Application, application_id).stop_listed_until
        db.session.remove()
    assert journey.status(application_id) == "stop_listed"
    journey.application(application_id, "stop-listed")
    main = tab.locator("main").inner_text()
    assert tab.locator(".status--stop_listed").count() >= 1
    assert str(until.astimezone().year) in main and "2026" in main
    assert tab.locator(".next p").count() >= 2  # what happens next, and why
    assert not journey.problems, "\n".join(journey.problems)
