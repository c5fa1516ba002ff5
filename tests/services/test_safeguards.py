"""Safeguards found in review: places never offered twice, one open application per child, no way
back into the queue past the rules, no privilege in the public record, the local calendar year,
and an outbox row never sent by two workers."""
import threading
from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update

from webapp.extensions import db
from webapp.models import Application, AuditEvent, Notification
from webapp.services import applications, bulletins, clock, delivery, privileges, referrals, sweep, tasks
from webapp.services.errors import DomainError, InvalidInput

from .helpers import World, almaty, english


def test_a_closed_bulletins_live_seats_still_hold_their_places(factory, session):
    world = World(factory, capacity=2)
    world.submit_many(4)
    world.commit()
    first = world.bulletin(places=2)
    assert session.scalar(select(func.count()).select_from(Application)
                          .where(Application.status == "invited")) == 2
    bulletins.close(session, first.id, world.staff, clock.now())
    world.commit()
    assert bulletins.announceable_places(session, world.reload(world.group)) == 0
    with pytest.raises(InvalidInput) as refused:
        bulletins.create(session, world.group.id, 1, world.staff, clock.now())
    assert english(refused.value) == "Places must be between 1 and 0."


def test_one_child_cannot_enter_two_queues_at_once(app, factory, session):
    world = World(factory)
    other_locality, _ = world.new_segment("Жаңа қала")
    child = world.child()
    parent = world.parent_actor
    world.commit()
    child_id, localities = child.id, (world.locality.id, other_locality.id)
    session.close()
    start, outcomes = threading.Barrier(2), []

    def submit(locality_id, language):
        with app.app_context():
            try:
                start.wait(timeout=30)
                applications.submit(db.session, parent, child_id, locality_id, language, clock.now())
                tasks.commit(db.session)
                outcomes.append("ok")
            except DomainError as error:
                db.session.rollback()
                outcomes.append(english(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=submit, args=args)
               for args in ((localities[0], "kk"), (localities[1], "ru"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["This child already has an application in the queue.", "ok"]
    assert session.scalar(select(func.count()).select_from(Application)
                          .where(Application.child_id == child_id)) == 1


def test_a_response_rejected_after_1_october_without_confirmation_makes_it_inactive(factory, session):
    world = World(factory)
    application, _ = world.bring_to("responded")  # submitted in November 2026: confirmed for 2026
    clock.set(almaty(2027, 10, 2, 10, 0))  # 2027: never confirmed
    referrals.reject(session, application.id, world.staff, clock.now(), reason="no documents")
    world.commit()
    application = world.reload(application)
    assert application.status == "inactive"
    assert not application.waiting
    assert not session.scalars(select(Notification).where(
        Notification.application_id == application.id, Notification.event == "invitation.created",
        Notification.created_at > almaty(2027, 1, 1, 0, 0))).all()


def test_a_stop_list_ending_after_school_age_closes_the_application(factory, session):
    world = World(factory)
    application, _ = world.bring_to("stop_listed")
    clock.set(almaty(2028, 9, 2, 10, 0))  # born 2022-05-17: six on 1 September 2028
    done = sweep.run(session, clock.now())
    assert done["stop_lists_ended"] == 1
    assert world.reload(application).status == "aged_out"


def test_privileges_never_reach_the_public_record(factory, session):
    world = World(factory)
    world.factory.privilege("disability", "extraordinary")
    application = world.submit(privileges=["disability"])
    world.commit()
    claim_id = application.claims[0].id
    privileges.verify_claim(session, claim_id, world.department, clock.now())
    world.commit()
    public = session.scalars(select(AuditEvent).where(AuditEvent.application == application.number)).all()
    assert [event.action for event in public] == ["application.submitted", "application.tier_changed"]
    for event in public:
        assert "disability" not in event.data and "disability" not in event.reason


def test_the_year_of_a_number_and_of_interest_is_the_local_one(factory, session):
    world = World(factory)
    clock.set(almaty(2027, 1, 1, 0, 30))  # still 31 December 2026 in UTC
    application = world.submit()
    world.commit()
    assert application.number.startswith("GM-2027-")
    assert application.interest_year == 2027


def test_a_slow_batch_cannot_send_a_row_another_worker_took_over(factory, session):
    world = World(factory)
    world.submit()
    world.commit()  # delivered inline at once: make its SMS wait in the outbox again
    session.execute(update(Notification).where(Notification.channel == "sms")
                    .values(status="pending", attempts=0, sent_at=None))
    session.commit()
    sent = []

    class Gateway:
        def send(self, phone, text, message_id):
            sent.append(message_id)

    settings = delivery.Settings(lease=timedelta(minutes=5))
    channels = delivery.Channels({}, Gateway(), settings)
    start = clock.now()
    with delivery.outbox_connection(session) as slow, delivery.outbox_connection(session) as fast:
        [row_of_slow] = [row for row in delivery.claim_due(slow, start, settings) if row.channel == "sms"]
        # The slow worker's lease runs out before it reaches this row; the tick hands it on.
        clock.advance(timedelta(minutes=6))
        assert delivery.recover(session, clock.now(), settings) >= 1
        session.commit()
        [row_of_fast] = [row for row in delivery.claim_due(fast, clock.now(), settings) if row.channel == "sms"]
        assert delivery.send_claimed(fast, row_of_fast, clock.now(), channels).status == "sent"
        assert delivery.send_claimed(slow, row_of_slow, clock.now(), channels).status == "skipped"
    assert Counter(sent) == {row_of_fast.idempotency_key: 1}


def test_the_development_secret_key_is_refused_beside_postgresql():
    from webapp import create_app

    with pytest.raises(RuntimeError, match="KEZEK_SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": "postgresql://postgres@127.0.0.1:1/none", "SECRET_KEY": None})
    assert create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": None}).secret_key


def test_a_seat_nobody_listed_is_left_alone_until_someone_would_take_it(factory, session):
    world = World(factory)
    _, other_group = world.kindergarten_with_group("Ақбота")
    world.submit_many(3, kindergartens=[world.kindergarten])
    world.commit()
    unwanted = world.bulletin(places=1, group=other_group)
    assert session.scalar(select(func.count()).select_from(Application)
                          .where(Application.status == "invited")) == 0
    newcomer = world.submit()  # no preference: any kindergarten will do
    world.commit()
    assert world.reload(newcomer).status == "invited"
    assert world.reload(unwanted).claimed == 1
