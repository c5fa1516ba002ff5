"""The district's reports: each figure checked against applications and steps made here, the CSV
against the page, and the district's scope."""
import csv
import io
import statistics

import pytest

from webapp.services import applications, audit, calendar, clock, invitations, privileges, referrals, reports
from webapp.services.actors import SYSTEM

from ..services.helpers import World, almaty
from . import outsiders

REPORT_PATHS = ["/department/reports", *(f"/department/reports/{name}{query}"
                                         for name in ("queue", "movement", "time-to-enrolment", "free-places")
                                         for query in ("", "?format=csv"))]


def _csv(client, name):
    response = client.get(f"/department/reports/{name}?format=csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{name}-2026-11-25.csv"'
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())  # the byte order mark Excel needs for Cyrillic
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


# --- queue size ---------------------------------------------------------------------------------

def test_queue_size_counts_waiting_applications_by_segment_and_tier(world, factory, department):
    category = factory.privilege(code="orphan", tier="extraordinary")
    ordinary = world.submit_many(3)
    claimed = world.factory.application(world.locality, child=world.child(), privileges=[category.code])
    world.commit()
    privileges.verify_claim(world.session, claimed.claims[0].id, world.department, clock.now())
    pending = world.factory.application(world.locality, child=world.child(), privileges=[category.code])
    aksai = factory.locality(world.district, name="Ақсай")
    russian = [world.submit(locality=aksai, language="ru", birth_date=world.child().birth_date.replace(year=2023))
               for _ in range(2)]
    gone = world.submit()
    World(factory, code="ZX").submit()  # another district
    world.commit()
    applications.withdraw(world.session, gone.id, world.actor_of(gone), clock.now())
    world.commit()

    found = reports.queue_sizes(world.session, world.district.id)
    # The unverified claim moves nobody: it waits as ordinary.
    assert [(r.locality.name_ru, r.language, r.birth_year, r.extraordinary, r.priority, r.ordinary, r.total)
            for r in found] == [
        (world.locality.name_ru, "kk", 2022, 1, 0, len(ordinary) + 1, len(ordinary) + 2),
        ("Ақсай", "ru", 2023, 0, 0, len(russian), len(russian)),
    ]
    assert pending.status == "queued"
    rows = _csv(department, "queue")
    assert rows[0] == ["Locality", "Language", "Birth year", "Extraordinary", "Priority", "No privilege", "Total"]
    assert rows[1:] == [[world.locality.name_en, "Kazakh", "2022", "1", "0", "4", "5"],
                        ["Ақсай", "Russian", "2023", "0", "0", "2", "2"]]
    page = department.get("/department/reports/queue").get_data(as_text=True)
    assert "<svg" in page and 'role="img"' in page and "<title" in page and "style=" not in page


# --- movement by month ----------------------------------------------------------------------------

def test_movement_counts_each_step_in_its_local_month(world, factory, department):
    clock.set(almaty(2025, 10, 15, 10, 0))
    world.bring_to("invited", own_segment="Ескі")  # thirteen months ago: outside the report
    clock.set(almaty(2026, 10, 15, 10, 0))
    world.bring_to("stop_listed", own_segment="Қазан")  # invited, then declined: a stop-list
    clock.set(almaty(2026, 11, 1, 1, 0))  # 31 October in UTC, November in Almaty
    world.bring_to("enrolled")
    clock.set(almaty(2026, 11, 10, 10, 0))
    World(factory, code="ZX").bring_to("referred")  # another district
    clock.set(almaty(2026, 11, 25, 9, 0))
    found = reports.monthly_movement(world.session, world.district.id, clock.now())
    assert [row["month"].isoformat() for row in found][0::11] == ["2025-12-01", "2026-11-01"]
    figures = {row["month"].month: tuple(row[k] for k in reports.MOVEMENT) for row in found if any(
        row[k] for k in reports.MOVEMENT)}
    assert figures == {10: (1, 0, 0, 0, 1), 11: (1, 1, 1, 1, 0)}
    rows = _csv(department, "movement")
    assert rows[0] == ["Month", "Invitations", "Responses", "Referrals", "Enrolments", "Stop-lists"]
    assert rows[-2:] == [["2026-10", "1", "0", "0", "0", "1"], ["2026-11", "1", "1", "1", "1", "0"]]
    assert len(rows) == 13


# --- time to enrolment ----------------------------------------------------------------------------

def _enrol(world, name, invited_at, enrolled_at):
    clock.set(invited_at)
    application, _ = world.bring_to("invited", own_segment=name)
    staff = world.department
    invitations.respond(world.session, application.id, world.actor_of(application), clock.now())
    referrals.activate(world.session, application.id, staff, clock.now())
    world.commit()
    clock.set(enrolled_at)
    referrals.enrol(world.session, application.id, staff, clock.now())
    world.commit()
    return calendar.working_days_between(world.session, world.district, invited_at, enrolled_at)


def test_median_working_days_from_invitation_to_enrolment(world, department):
    october = [_enrol(world, "А", almaty(2026, 10, 27, 10, 0), almaty(2026, 10, 29, 16, 0))]
    november = [_enrol(world, "Б", almaty(2026, 11, 2, 10, 0), almaty(2026, 11, 5, 12, 0)),
                _enrol(world, "В", almaty(2026, 11, 9, 10, 0), almaty(2026, 11, 10, 12, 0)),
                _enrol(world, "Г", almaty(2026, 11, 16, 10, 0), almaty(2026, 11, 20, 12, 0))]
    assert november == [3, 1, 4] and october == [2]
    clock.set(almaty(2026, 11, 25, 9, 0))
    found = {row["month"].month: row for row in reports.time_to_enrolment(world.session, world.district.id,
                                                                          clock.now()) if row["enrolments"]}
    assert {m: (r["enrolments"], r["median"], r["longest"]) for m, r in found.items()} == {
        10: (1, statistics.median(october), 2), 11: (3, statistics.median(november), 4)}
    rows = _csv(department, "time-to-enrolment")
    assert rows[-2:] == [["2026-10", "1", "2", "2"], ["2026-11", "3", "3", "4"]]
    assert rows[1] == ["2025-12", "0", "", ""]


def test_an_enrolment_is_timed_from_the_last_invitation(world):
    clock.set(almaty(2026, 11, 2, 10, 0))
    application, _ = world.bring_to("stop_listed")  # invited and declined on 2 November
    clock.set(almaty(2026, 11, 18, 10, 0))  # the stop-list of ten working days is over
    assert applications.end_stop_list(world.session, application.id, clock.now())
    world.commit()
    world.bulletin(places=1)  # invited again on 18 November
    assert world.reload(application).status == "invited"
    invitations.respond(world.session, application.id, world.actor_of(application), clock.now())
    referrals.activate(world.session, application.id, world.staff, clock.now())
    world.commit()
    clock.set(almaty(2026, 11, 20, 10, 0))
    referrals.enrol(world.session, application.id, world.staff, clock.now())
    world.commit()
    row = reports.time_to_enrolment(world.session, world.district.id, clock.now())[-1]
    assert (row["enrolments"], row["median"]) == (1, 2)  # 19 and 20 November, not from 2 November


# --- free places -----------------------------------------------------------------------------------

def test_free_places_account_for_every_place(world, factory, department):
    world.bring_to("enrolled")
    world.bring_to("responded")
    world.bulletin(places=3)  # nobody else waits: all three stay on offer
    other, _ = world.kindergarten_with_group("Күншуақ", capacity=10)
    World(factory, code="ZX")  # another district's kindergarten is not listed
    world.commit()
    found = reports.free_places(world.session, world.district.id)
    assert [(r["kindergarten"].id, r["capacity"], r["enrolled"], r["claimed"], r["offered"], r["free"])
            for r in found] == [(world.kindergarten.id, 25, 1, 1, 3, 20), (other.id, 10, 0, 0, 0, 10)]
    rows = _csv(department, "free-places")
    assert rows[0] == ["Kindergarten", "Locality", "Capacity", "Enrolled", "Being filled", "On offer",
                       "Free, not on offer"]
    assert [row[2:] for row in rows[1:]] == [["25", "1", "1", "3", "20"], ["10", "0", "0", "0", "10"]]


# --- pages ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["queue", "movement", "time-to-enrolment", "free-places"])
def test_every_report_page_has_a_table_a_chart_and_a_csv_link(world, department, name):
    world.bring_to("enrolled")
    world.submit()  # one waiting, for the queue
    world.commit()
    page = department.get(f"/department/reports/{name}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert '<table class="rows' in text and "<svg" in text and 'role="img"' in text
    assert f'href="/department/reports/{name}?format=csv"' in text
    assert "style=" not in text.split("<main", 1)[-1]


def test_the_index_lists_every_report(world, department):
    text = department.get("/department/reports").get_data(as_text=True)
    for name in ("queue", "movement", "time-to-enrolment", "free-places"):
        assert f'href="/department/reports/{name}"' in text


def test_an_unknown_report_is_not_found(world, department):
    assert department.get("/department/reports/secrets").status_code == 404


def test_an_empty_district_says_so(world, department):
    text = department.get("/department/reports/queue").get_data(as_text=True)
    assert "Nothing to report yet." in text


# --- access ----------------------------------------------------------------------------------------

def test_the_reports_only_read(app):
    """No report route takes a POST: nothing here can change the district (so no CSRF case)."""
    methods = {rule.endpoint: rule.methods - {"HEAD", "OPTIONS"} for rule in app.url_map.iter_rules()
               if rule.endpoint in ("department.list_reports", "department.show_report")}
    assert methods == {"department.list_reports": {"GET"}, "department.show_report": {"GET"}}


@pytest.fixture
def filled(world):
    """A district with something in every report."""
    world.bring_to("enrolled")
    world.bring_to("responded")
    world.submit()
    world.commit()
    return world


@pytest.mark.parametrize("kind", outsiders.KINDS)
@pytest.mark.parametrize("path", REPORT_PATHS)
def test_outsiders_never_read_the_district_reports(client, filled, factory, stranger, kind, path):
    browser = outsiders.browser_of(kind, client, filled, factory, stranger)
    response = browser.get(path)
    outsiders.check(kind, response, outsiders.secrets_of(filled))
    if kind == "stranger" and "format=csv" in path:  # their own district is empty: every figure 0
        rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
        assert all(cell in ("0", "") for row in rows[1:] for cell in row[1:]), rows


@pytest.mark.parametrize("path", REPORT_PATHS)
def test_the_operator_reads_every_report(filled, department, path):
    response = department.get(path)
    assert response.status_code == 200
    if "csv" in path:  # the district's figures are there: some cell is not zero
        rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
        assert any(cell not in ("0", "") for row in rows[1:] for cell in row[1:]), rows


def test_an_invitation_older_than_the_look_back_is_still_found(world):
    """An enrolment whose invitation lies before the bulk read's look-back is paired one by one."""
    application = world.submit()
    world.commit()
    invited_at, enrolled_at = almaty(2026, 5, 4, 10, 0), almaty(2026, 11, 20, 10, 0)
    audit.record(world.session, "invitation.created", actor=SYSTEM, application=application, at=invited_at)
    audit.record(world.session, "application.enrolled", actor=world.staff, application=application, at=enrolled_at)
    world.commit()
    assert enrolled_at - invited_at > reports.INVITATION_LOOKBACK
    row = reports.time_to_enrolment(world.session, world.district.id, clock.now())[-1]
    assert (row["enrolments"], row["median"]) == (
        1, calendar.working_days_between(world.session, world.district, invited_at, enrolled_at))
