"""RQ plumbing: the queue, deterministic job ids, jobs scheduled at deadlines, the periodic tick.

Only used when REDIS_URL is set. Nothing here is the truth: deadlines and the outbox live in the
database, and the sweep finds whatever a lost or cancelled job would have done. So every call that
talks to Redis on behalf of a committed transaction logs a failure instead of raising it.

Time: the RQ scheduler runs on the real time. Domain deadlines are turned into a delay from the
clock service's "now" (``enqueue_in``), so a pinned or shifted clock (demo, tests) still fires a job
that far ahead in real time; the job itself re-checks the deadline against the clock.
"""
import logging
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from functools import lru_cache

from .models import Application, Seat
from .services import clock

log = logging.getLogger(__name__)

QUEUE_NAME = "kezek"
JOB_MODULE = "webapp.jobs"
OUTBOX_FLAG = "kezek:outbox:kicked"  # set while a drain job waits in the queue: one is enough
OUTBOX_FLAG_TTL = 60
# The scheduler counts whole seconds and may fire up to one early: aim a little after the moment.
DEADLINE_GRACE = timedelta(seconds=1.5)
LONG_JOB_TIMEOUT = 3600  # sweeps and daily jobs over a million applications


def retry_policy():
    """Unexpected errors (a database restart, a deadlock) are retried with backoff, then fail loudly."""
    from rq import Retry

    return Retry(max=3, interval=[10, 60, 300])


@lru_cache(maxsize=8)
def _client(url: str):
    from redis import Redis

    # Short connect timeout: a web request must not hang on a Redis that is down.
    return Redis.from_url(url, socket_connect_timeout=2, socket_timeout=10, health_check_interval=30)


def connection(app):
    return _client(app.config["REDIS_URL"])


def queue(app):
    from rq import Queue

    return Queue(QUEUE_NAME, connection=connection(app))


def enqueue(app, name: str, args: tuple = (), **options):
    """Queue ``webapp.jobs.<name>(*args)``; on failure log and return None (the sweep catches up)."""
    try:
        return queue(app).enqueue(f"{JOB_MODULE}.{name}", *args, retry=retry_policy(), **options)
    except Exception:  # noqa: BLE001 - Redis down: the outbox and the sweep catch up later
        log.exception("could not enqueue %s%r", name, args)
        return None


# --- the outbox -------------------------------------------------------------------------------------

def kick_outbox(app) -> None:
    """Make sure one drain job is waiting; many commits in a row share it."""
    try:
        redis = connection(app)
        if not redis.set(OUTBOX_FLAG, "1", nx=True, ex=OUTBOX_FLAG_TTL):
            return  # a drain job has not started yet: it will see this commit's rows
        try:
            queue(app).enqueue(f"{JOB_MODULE}.deliver_outbox", retry=retry_policy(), job_timeout=600)
        except Exception:
            redis.delete(OUTBOX_FLAG)
            raise
    except Exception:  # noqa: BLE001 - the rows stay pending; the tick re-queues them
        log.exception("could not queue outbox delivery")


def outbox_taken(app) -> None:
    """A drain job starts: rows committed from now on need a new one."""
    connection(app).delete(OUTBOX_FLAG)


def schedule_delivery(app, notification_id: int, moment: datetime) -> None:
    """Try the row again at ``moment`` (its ``next_attempt_at``); one job per row and moment."""
    try:
        _schedule_at(app, f"deliver-{notification_id}-at-{moment:%Y%m%dT%H%M%S%f}", moment,
                     "deliver_notification", notification_id)
    except Exception:  # noqa: BLE001 - next_attempt_at is in the database; the tick finds it
        log.exception("could not schedule delivery of notification %s", notification_id)


# --- deadlines ---------------------------------------------------------------------------------------

def deadline_job_id(seat_id: int) -> str:
    return f"expire-seat-{seat_id}"


def stop_list_job_id(application_id: int) -> str:
    return f"end-stop-list-{application_id}"


def simulation_job_id(simulation_id: int) -> str:
    """One job per policy simulation: a second enqueue of the same id is not a second run."""
    return f"simulate-{simulation_id}"


def schedule_seat_deadline(app, session, seat_id: int) -> None:
    """One job per seat, at its current deadline (an extension moves it); none once it is settled."""
    if not app.config["REDIS_URL"]:
        return
    seat = session.get(Seat, seat_id)
    if seat is None or seat.deadline_at is None or seat.state not in ("reserved", "referred"):
        cancel_seat_deadline(app, seat_id)
        return
    _schedule_at(app, deadline_job_id(seat_id), seat.deadline_at, "expire_seat", seat_id)


def cancel_seat_deadline(app, seat_id: int) -> None:
    if app.config["REDIS_URL"]:
        _discard(app, deadline_job_id(seat_id))


def schedule_stop_list_end(app, session, application_id: int) -> None:
    if not app.config["REDIS_URL"]:
        return
    application = session.get(Application, application_id)
    if application is None or application.status != "stop_listed" or application.stop_listed_until is None:
        _discard(app, stop_list_job_id(application_id))
        return
    _schedule_at(app, stop_list_job_id(application_id), application.stop_listed_until, "end_stop_list",
                 application_id)


def _schedule_at(app, job_id: str, moment: datetime, name: str, *args) -> None:
    _discard(app, job_id)
    delay = max(moment - clock.now(), timedelta(0)) + DEADLINE_GRACE
    queue(app).enqueue_in(delay, f"{JOB_MODULE}.{name}", *args, job_id=job_id, retry=retry_policy())


def _discard(app, job_id: str) -> None:
    """Remove a waiting job. One already running is left alone: it re-checks the state anyway."""
    from rq.exceptions import NoSuchJobError
    from rq.job import Job, JobStatus

    try:
        job = Job.fetch(job_id, connection=connection(app))
    except NoSuchJobError:
        return
    if job.get_status(refresh=False) != JobStatus.STARTED:
        job.delete()


# --- the periodic tick ------------------------------------------------------------------------------

def tick_interval(app) -> int:
    return int(app.config.get("TICK_INTERVAL", 300))


def ensure_next_tick(app) -> str:
    """Schedule the tick of the next slot (every 5 minutes) unless it is already there.

    Slot-named ids make this idempotent across workers: whoever comes first schedules it. Each tick
    schedules its successor before doing any work, and every worker re-checks during maintenance,
    so the chain survives failed ticks, restarts and a Redis that lost its data.
    """
    from rq.job import Job
    from rq.utils import now as scheduler_now

    interval = tick_interval(app)
    slot = (int(scheduler_now().timestamp()) // interval + 1) * interval
    at = datetime.fromtimestamp(slot, timezone.utc)
    job_id = f"tick-{at:%Y%m%dT%H%M%S}"
    if not Job.exists(job_id, connection=connection(app)):
        queue(app).enqueue_at(at, f"{JOB_MODULE}.tick", job_id=job_id, job_timeout=LONG_JOB_TIMEOUT,
                              result_ttl=2 * interval)
    return job_id


@contextmanager
def exclusive(app, name: str, seconds: int):
    """A lock across all workers; yields False (and waits for nothing) when someone else holds it."""
    from redis.exceptions import LockError

    lock = connection(app).lock(f"kezek:lock:{name}", timeout=seconds, blocking=False)
    acquired = lock.acquire(blocking=False)
    try:
        yield acquired
    finally:
        if acquired:
            try:
                lock.release()
            except LockError:  # held longer than ``seconds``: it has expired already
                log.warning("lock %s expired before release", name)


def status(app) -> dict:
    """What the department sees: how much is waiting, scheduled, running and failed."""
    from rq import Worker

    waiting = queue(app)
    return {
        "queued": waiting.count,
        "scheduled": waiting.scheduled_job_registry.count,
        "started": waiting.started_job_registry.count,
        "failed": waiting.failed_job_registry.count,
        "workers": Worker.count(queue=waiting),
        "outbox_kicked": bool(connection(app).exists(OUTBOX_FLAG)),
    }
