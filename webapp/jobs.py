"""Job entry points. Each takes ids, reloads what it needs, calls one service, commits.

With Redis configured they run on RQ workers (``python worker.py``); without, ``tasks.commit`` calls
them right after the transaction commits, in the same process, and a timer in the development
server runs the tick. They are idempotent: the database holds the truth (states, deadlines, the
outbox); a job only enforces it, so running one twice is harmless. Each job writes one structured
log line (JSON) with the application number(s) it touched.
"""
import json
import logging
import threading
import time
from contextlib import contextmanager, nullcontext
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from . import queueing
from .extensions import db
from .models import Application, Bulletin, Seat
from .services import (
    applications, clock, daily, delivery, distribution, invitations, referrals, simulations, sweep,
    system_settings, tasks,
)
from .services.queue import Segment

log = logging.getLogger(__name__)
QUEUE_NAME = queueing.QUEUE_NAME
# Redis bookkeeping that needs no worker: done by the committing process right away.
DIRECT = frozenset({"schedule_seat_deadline", "cancel_seat_deadline", "schedule_stop_list_end"})


def init_app(app) -> None:
    tasks.set_runner(_run_inline if not app.config["REDIS_URL"] else _enqueue)
    app.before_request(_start_timer_in_dev_server)


def _run_inline(name: str, args: tuple) -> None:
    try:
        globals()[name](*args)
    except Exception:  # noqa: BLE001 - the business transaction is already committed; log loudly
        db.session.rollback()
        log.exception("inline job %s%r failed", name, args)


def _enqueue(name: str, args: tuple) -> None:
    app = current_app._get_current_object()
    if name in ("deliver_outbox", "deliver_notification"):
        queueing.kick_outbox(app)  # one drain job for all rows of this commit (and the next ones)
    elif name == "simulate_policy":
        queueing.enqueue(app, name, args, job_id=queueing.simulation_job_id(*args),
                         job_timeout=queueing.LONG_JOB_TIMEOUT)
    elif name in DIRECT:
        try:
            globals()[name](*args)
        except Exception:  # noqa: BLE001 - Redis down: the sweep enforces the deadline instead
            log.exception("could not %s%r", name, args)
    else:
        queueing.enqueue(app, name, args)


@contextmanager
def logged(job: str, **fields):
    """One JSON log line per job: what, which application, outcome, duration; errors re-raised."""
    started = time.perf_counter()
    try:
        yield fields
    except Exception as error:
        fields.update(job=job, outcome="error", error=repr(error)[:500],
                      ms=round((time.perf_counter() - started) * 1000, 1))
        log.error(json.dumps(fields, ensure_ascii=False, default=str))
        raise
    fields.setdefault("outcome", "done")
    fields.update(job=job, ms=round((time.perf_counter() - started) * 1000, 1))
    log.info(json.dumps(fields, ensure_ascii=False, default=str))


def _redis() -> bool:
    return bool(current_app.config["REDIS_URL"])


# --- placement ----------------------------------------------------------------------------------------

def distribute_segment(locality_id: int, language: str, birth_year: int) -> int:
    with logged("distribute_segment", segment=[locality_id, language, birth_year]) as entry:
        invited = distribution.distribute(db.session, Segment(locality_id, language, birth_year), clock.now())
        tasks.commit(db.session)
        entry["applications"] = [number for number, _, _ in invited]
        return len(invited)


def expire_seat(seat_id: int) -> bool:
    """At a seat's deadline: the invitation or the referral lapses (a no-op if the parent acted)."""
    with logged("expire_seat", seat_id=seat_id) as entry:
        now = clock.now()
        seat = db.session.get(Seat, seat_id)
        entry["application"] = seat.application.number if seat else None
        moved = invitations.expire(db.session, seat_id, now) or referrals.expire(db.session, seat_id, now)
        tasks.commit(db.session)
        entry["outcome"] = "expired" if moved else "no change"
        return moved


def end_stop_list(application_id: int) -> bool:
    with logged("end_stop_list", application_id=application_id) as entry:
        application = db.session.get(Application, application_id)
        entry["application"] = application.number if application else None
        moved = application is not None and applications.end_stop_list(db.session, application_id, clock.now())
        tasks.commit(db.session)
        entry["outcome"] = "ended" if moved else "no change"
        return moved


def schedule_seat_deadline(seat_id: int) -> None:
    """Inline mode has no scheduler: the sweep timer enforces deadlines instead."""
    queueing.schedule_seat_deadline(current_app, db.session, seat_id)


def cancel_seat_deadline(seat_id: int) -> None:
    queueing.cancel_seat_deadline(current_app, seat_id)


def schedule_stop_list_end(application_id: int) -> None:
    queueing.schedule_stop_list_end(current_app, db.session, application_id)


# --- the department's policy simulator ----------------------------------------------------------------

def simulate_policy(simulation_id: int) -> str:
    """Replay the district's history under another rule. A failure is written on the simulation
    (the page shows it) and then raised: RQ records it, inline mode logs it."""
    with logged("simulate_policy", simulation_id=simulation_id) as entry:
        try:
            entry["outcome"] = simulations.run(db.session, simulation_id)
        except Exception as error:
            db.session.rollback()
            simulations.fail(db.session, simulation_id, f"{type(error).__name__}: {error}")
            raise
        return entry["outcome"]


# --- the outbox -----------------------------------------------------------------------------------------

def deliver_notification(notification_id: int) -> str:
    """Deliver one row (inline mode after commit; a scheduled retry; a re-send)."""
    outcome = delivery.deliver(db.session, notification_id, clock.now(), _channels())
    _after_delivery(outcome)
    return outcome.status


def deliver_outbox() -> int:
    """Drain every due row, a batch at a time; asks for a helper while full batches keep coming."""
    app = current_app._get_current_object()
    channels = _channels()
    if _redis():
        queueing.outbox_taken(app)
    budget_ends, sent = time.monotonic() + 300, 0
    with delivery.outbox_connection(db.session) as connection:
        while time.monotonic() < budget_ends:
            claimed = delivery.claim_due(connection, clock.now(), channels.settings)
            if not claimed:
                return sent
            if _redis() and len(claimed) == channels.settings.batch:
                queueing.kick_outbox(app)  # another worker may start on the next batch meanwhile
            for row in claimed:
                outcome = delivery.send_claimed(connection, row, clock.now(), channels)
                _after_delivery(outcome)
                sent += outcome.status == "sent"
    if _redis():
        queueing.kick_outbox(app)  # out of time: the job just queued goes on, others get a turn
    return sent


def _channels() -> delivery.Channels:
    # The administration's sender settings (SMS sender, mail From…) over the configuration.
    return delivery.Channels.from_config(system_settings.effective(db.session, current_app.config))


def _after_delivery(outcome: delivery.Outcome) -> None:
    if outcome.status in ("skipped", "not_due"):
        if outcome.status == "not_due" and _redis():  # a second later than planned: a new job id
            queueing.schedule_delivery(current_app, outcome.notification_id,
                                       outcome.next_attempt_at + timedelta(seconds=1))
        return
    fields = {"job": "deliver", "notification_id": outcome.notification_id, "channel": outcome.channel,
              "event": outcome.event, "application": outcome.application, "outcome": outcome.status,
              "attempts": outcome.attempts}
    if outcome.error:
        fields["error"] = outcome.error
    level = logging.INFO if outcome.status == "sent" else logging.WARNING
    log.log(level, json.dumps(fields, ensure_ascii=False, default=str))
    if outcome.status == "retry" and _redis():
        queueing.schedule_delivery(current_app, outcome.notification_id, outcome.next_attempt_at)


# --- periodic work ------------------------------------------------------------------------------------

def run_sweep() -> dict:
    with logged("sweep") as entry:
        entry["done"] = dict(sweep.run(db.session, clock.now()))
        return entry["done"]


def tick() -> dict:
    """Every 5 minutes: the sweep, lost deliveries, and the daily jobs once their day has come."""
    app = current_app._get_current_object()
    with logged("tick") as entry:
        if not _redis():
            _tick_steps(app, entry)
            return entry
        queueing.ensure_next_tick(app)  # first, so that a failing tick never breaks the chain
        with queueing.exclusive(app, "tick", queueing.LONG_JOB_TIMEOUT) as mine:
            if not mine:
                entry["outcome"] = "skipped: the previous tick is still running"
                return entry
            _tick_steps(app, entry)
        return entry


def _tick_steps(app, entry: dict) -> None:
    failed = []
    steps = (("sweep", _sweep_step), ("distribution", _distribution_step), ("outbox", _outbox_step),
             ("daily", _daily_step))
    for name, step in steps:
        try:
            entry[name] = step(app)
        except Exception:  # noqa: BLE001 - the other steps still run; raised below
            db.session.rollback()
            log.exception("tick step %s failed", name)
            failed.append(name)
    if failed:
        raise RuntimeError(f"tick steps failed: {', '.join(failed)}")


def _sweep_step(app) -> dict:
    return dict(sweep.run(db.session, clock.now()))


def _distribution_step(app) -> int:
    return redistribute()


def redistribute() -> int:
    """Segments with unclaimed seats get a distribution run: one lost after a commit is made good."""
    segments = db.session.execute(
        select(Bulletin.locality_id, Bulletin.language, Bulletin.birth_year).distinct()
        .where(Bulletin.status == "published", Bulletin.claimed < Bulletin.places)
    ).all()
    db.session.commit()
    return sum(distribute_segment(*segment) for segment in segments)


def _outbox_step(app) -> dict:
    return requeue_pending()


def requeue_pending() -> dict:
    """Rows whose worker died go back to pending; rows whose job was lost get one again."""
    app = current_app._get_current_object()
    now = clock.now()
    recovered = delivery.recover(db.session, now, delivery.Settings.from_config(app.config))
    overdue = delivery.overdue(db.session, now)
    if _redis():
        if recovered or overdue:
            queueing.kick_outbox(app)
        return {"recovered": recovered, "overdue": overdue}
    return {"recovered": recovered, "overdue": overdue, "sent": deliver_outbox()}


def _daily_step(app) -> list[str]:
    due = [job.name for job in daily.due(db.session, clock.now(), daily.Schedule.from_config(app.config))]
    if due and _redis():
        queueing.enqueue(app, "run_daily", job_timeout=queueing.LONG_JOB_TIMEOUT)
    elif due:
        run_daily()
    return due


def run_daily() -> dict:
    """The daily jobs not yet done today (one runner at a time across workers)."""
    app = current_app._get_current_object()
    with logged("daily") as entry:
        guard = queueing.exclusive(app, "daily", queueing.LONG_JOB_TIMEOUT) if _redis() else nullcontext(True)
        with guard as mine:
            if not mine:
                entry["outcome"] = "skipped: another worker is running them"
                return entry
            entry["ran"] = daily.run_due(db.session, clock.now(), daily.Schedule.from_config(app.config))
        return entry


# --- without Redis: a timer in the development server ----------------------------------------------

class InlineTimer(threading.Thread):
    """Runs the tick every ``interval`` seconds in a daemon thread with its own app context."""

    def __init__(self, app, interval: float):
        super().__init__(name="kezek-inline-tick", daemon=True)
        self.app, self.interval, self.stopped = app, interval, threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            with self.app.app_context():
                try:
                    tick()
                except Exception:  # noqa: BLE001 - logged by tick(); the timer keeps going
                    pass
                finally:
                    db.session.remove()

    def stop(self) -> None:
        self.stopped.set()


_timer_lock = threading.Lock()


def start_inline_timer(app, interval: float | None = None) -> InlineTimer | None:
    """Start the tick timer once per app, only without Redis (the worker's scheduler does it there)."""
    interval = app.config.get("INLINE_SWEEP_INTERVAL", 300) if interval is None else interval
    if app.config["REDIS_URL"] or not interval:
        return None
    with _timer_lock:
        timer = app.extensions.get("kezek_inline_timer")
        if timer is None or not timer.is_alive():
            timer = InlineTimer(app, float(interval))
            app.extensions["kezek_inline_timer"] = timer
            timer.start()
    return timer


def _start_timer_in_dev_server() -> None:
    """The development server (``flask run``, ``make run``) starts the timer with its first request;
    gunicorn, the test client and CLI commands never do."""
    from flask import request

    app = current_app._get_current_object()
    if "kezek_inline_timer" in app.extensions:
        return
    dev_server = request.environ.get("SERVER_SOFTWARE", "").startswith("Werkzeug/")
    if app.testing or app.config["REDIS_URL"] or not dev_server:
        app.extensions["kezek_inline_timer"] = None  # decided once per process
        return
    start_inline_timer(app)
