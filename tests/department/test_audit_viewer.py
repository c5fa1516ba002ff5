"""The audit viewer: the district's events only, filtered by application, kindergarten, actor,
action and dates, paged newest first by seq; the chain's state re-checked from the last
checkpoint, and a broken link shown plainly."""
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from webapp.extensions import db
from webapp.models import AuditEvent
from webapp.services import audit, audit_viewer, clock

from .conftest import csrf_token
from .review import OUTSIDERS, audit_head, outsider_browser  # noqa: F401

URL = "/department/events"


@pytest.fixture
def history(world, factory):
    """Events of this district (two applications, a bulletin of its kindergarten) and of another
    district (an application, a bulletin), on two days."""
    mine = world.submit()
    world.commit()
    clock.advance(timedelta(days=2))
    later = world.submit()
    world.bulletin(places=1)  # invites ``mine``: bulletin.published, invitation.created, distribution.run
    other_kindergarten, other_group = world.kindergarten_with_group("Күншуақ")
    elsewhere = factory.district(code="QQ")
    far_locality = factory.locality(elsewhere, name="Басқа")
    far_kindergarten = factory.kindergarten(far_locality, name="Алыс")
    far = world.submit(locality=far_locality)
    world.bulletin(places=1, group=factory.group(far_kindergarten))
    world.commit()
    return {"mine": mine, "later": later, "far": far, "other_kindergarten": other_kindergarten,
            "far_kindergarten": far_kindergarten}


def _seqs(client, query="") -> list[int]:
    response = client.get(URL + query)
    assert response.status_code == 200, response.get_data(as_text=True)
    return _rows(response.get_data(as_text=True))


def _rows(text: str) -> list[int]:
    import re
    return [int(seq) for seq in re.findall(r'<td data-label="Seq">(\d+)</td>', text)]


def _events(**where):
    db.session.rollback()
    query = select(AuditEvent.seq).order_by(AuditEvent.seq.desc())
    for key, value in where.items():
        query = query.where(getattr(AuditEvent, key) == value)
    return list(db.session.scalars(query))


@pytest.mark.parametrize("kind", OUTSIDERS)
def test_outsiders_never_see_the_districts_events(kind, client, world, factory, history):
    browser = outsider_browser(kind, client, world, factory)
    response = browser.get(URL)
    text = response.get_data(as_text=True)
    if kind == "anonymous":
        assert response.status_code in (302, 303) and "/account/log-in" in response.headers["Location"]
    elif kind == "stranger":  # an operator of another district sees that district's events only
        assert response.status_code == 200
        assert history["mine"].number not in text and history["later"].number not in text
    else:
        assert response.status_code == 403
    assert history["mine"].number not in text


def test_the_viewer_changes_nothing_and_takes_no_post(department, history):
    before = audit_head()
    response = department.post(URL, data={"csrf_token": csrf_token(department, URL)})
    assert response.status_code == 405
    assert audit_head() == before


def test_only_the_districts_events_newest_first(department, history):
    shown = _seqs(department)
    assert shown == sorted(shown, reverse=True)
    far_events = set(_events(application=history["far"].number))
    assert far_events and not far_events & set(shown)
    mine = set(_events(application=history["mine"].number)) | set(_events(application=history["later"].number))
    assert mine <= set(shown)
    published = _events(action="bulletin.published")
    assert published[1] in shown and published[0] not in shown  # ours (first) in, the far one out
    runs = _events(action="distribution.run")
    assert set(runs) & set(shown) and not set(runs) <= set(shown)


def test_filters_by_application_role_action_and_kindergarten(department, history, world):
    number = history["mine"].number
    assert _seqs(department, f"?application={number.lower()}") == _events(application=number)
    assert set(_seqs(department, "?role=staff")) == set(_events(actor_role="staff")) - set(
        _events(action="bulletin.published")[:1])
    invited = _events(action="invitation.created", application=number)
    assert invited and _seqs(department, "?action=invitation.created") == invited  # not the far district's
    by_kindergarten = _seqs(department, f"?kindergarten={world.kindergarten.id}")
    assert set(by_kindergarten) == {_events(action="bulletin.published")[1], *invited}
    assert _seqs(department, f"?kindergarten={history['other_kindergarten'].id}") == []


def test_filters_by_dates_in_the_districts_time(department, history):
    first_day = clock.now() - timedelta(days=2)
    day = first_day.date().isoformat()
    shown = _seqs(department, f"?since={day}&until={day}")
    assert shown == _events(application=history["mine"].number)[-1:]  # only its submission that day
    assert _seqs(department, f"?since={(clock.now() + timedelta(days=1)).date().isoformat()}") == []


@pytest.mark.parametrize(("query", "message"), [
    ("?since=2026-13-01", "Not a valid date value."),
    ("?since=2026-11-25&until=2026-11-01", "The end of the period is before its start."),
    ("?application=GM-2026", "Enter a number such as GM-2026-000123."),
    ("?role=wizard", "Not a valid choice"),
    ("?kindergarten=999999", "Not a valid choice"),
])
def test_malformed_filters_are_explained(department, history, query, message):
    response = department.get(URL + query)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_another_districts_kindergarten_is_not_a_filter_here(department, history):
    assert department.get(f"{URL}?kindergarten={history['far_kindergarten'].id}").status_code == 422


def test_pages_go_back_by_seq(department, history, world, session, operator):
    page = audit_viewer.events(session, operator.district_id, audit_viewer.EventFilter(), per_page=2)
    assert len(page.rows) == 2 and page.next_before == page.rows[-1].seq
    following = audit_viewer.events(session, operator.district_id, audit_viewer.EventFilter(),
                                     before=page.next_before, per_page=2)
    assert following.rows[0].seq < page.rows[-1].seq
    world.submit_many(50)
    world.commit()
    text = department.get(f"{URL}?role=parent").get_data(as_text=True)
    assert len(_rows(text)) == 50 and "Older events" in text
    older = _rows(department.get(f"{URL}?role=parent&before={_rows(text)[-1]}").get_data(as_text=True))
    assert older and max(older) < min(_rows(text))


def test_rows_link_the_districts_applications_to_their_correction(department, history):
    text = department.get(URL).get_data(as_text=True)
    assert f'/department/applications/{history["mine"].id}/correct' in text


def test_the_chain_is_verified_from_the_last_checkpoint(department, history, session):
    text = department.get(URL).get_data(as_text=True)
    head = audit_head()
    assert f"Verified up to seq {head} from the first event" in text
    point = audit.checkpoint(session, (clock.now() - timedelta(days=1)).date())
    session.commit()
    text = department.get(URL).get_data(as_text=True)
    assert f"Verified up to seq {head} from the last checkpoint" in text and f"seq {point.seq})" in text


def test_a_broken_link_is_shown_plainly(department, history, session):
    target = audit_head() - 1
    session.execute(update(AuditEvent).where(AuditEvent.seq == target).values(reason="rewritten"))
    session.commit()
    text = department.get(URL).get_data(as_text=True)
    assert f"The chain is broken at seq {target}." in text
    status = audit.verify_from_checkpoint(session)
    assert status.broken.seq == target and status.verified_seq == target - 1


def test_a_rewritten_checkpointed_event_is_caught(department, history, session):
    point = audit.checkpoint(session, clock.now().date() + timedelta(days=1))
    session.commit()
    session.execute(update(AuditEvent).where(AuditEvent.seq == point.seq).values(hash="0" * 64))
    session.commit()
    text = department.get(URL).get_data(as_text=True)
    assert f"The chain is broken at seq {point.seq}." in text and "no longer matches the checkpoint" in text


def test_the_actor_is_shown_by_role_never_by_name(department, history, operator):
    text = department.get(URL).get_data(as_text=True)
    assert "kindergarten staff" in text
    assert history["mine"].child.parent.full_name not in text


def test_a_kindergartens_events_include_those_naming_only_a_seat(department, world, factory):
    """A referral's activation names only the seat: it is still the kindergarten's event."""
    application, _ = world.bring_to("referred")
    activated = _events(action="response.activated", application=application.number)
    assert activated
    other, _ = world.kindergarten_with_group("Күншуақ")
    world.commit()
    assert set(activated) <= set(_seqs(department, f"?kindergarten={world.kindergarten.id}"))
    assert not set(activated) & set(_seqs(department, f"?kindergarten={other.id}"))
