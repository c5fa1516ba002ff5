"""RQ plumbing: the queue, deterministic job ids, deadline jobs. Only used when REDIS_URL is set."""
import logging

from .models import Seat

log = logging.getLogger(__name__)


def connection(app):
    from redis import Redis

    return Redis.from_url(app.config["REDIS_URL"])


def queue(app):
    from rq import Queue

    from .jobs import QUEUE_NAME

    return Queue(QUEUE_NAME, connection=connection(app))


def enqueue(app, name: str, args: tuple) -> None:
    try:
        queue(app).enqueue(f"webapp.jobs.{name}", *args)
    except Exception:  # noqa: BLE001 - Redis down: the outbox and the sweep catch up later
        log.exception("could not enqueue %s%r", name, args)


def deadline_job_id(seat_id: int) -> str:
    return f"expire-seat-{seat_id}"


def schedule_seat_deadline(app, session, seat_id: int) -> None:
    if not app.config["REDIS_URL"]:
        return
    seat = session.get(Seat, seat_id)
    if seat is None or seat.deadline_at is None:
        return
    cancel_seat_deadline(app, seat_id)
    queue(app).enqueue_at(seat.deadline_at, "webapp.jobs.expire_seat", seat_id, job_id=deadline_job_id(seat_id))


def cancel_seat_deadline(app, seat_id: int) -> None:
    if not app.config["REDIS_URL"]:
        return
    from rq.exceptions import NoSuchJobError
    from rq.job import Job

    try:
        Job.fetch(deadline_job_id(seat_id), connection=connection(app)).cancel()
    except NoSuchJobError:
        pass
