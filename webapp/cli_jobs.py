"""Background work on the command line: ``flask jobs …`` and ``flask notifications …``.

What the department needs until the back-office has a page for it: how much is waiting, what failed,
and a way to send a failed message again once the provider or the address is fixed.
"""
import sys

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from . import jobs, queueing
from .extensions import db
from .models import District
from .services import clock, delivery, errors, tasks


def register(app) -> None:
    app.cli.add_command(jobs_group)
    app.cli.add_command(notifications_group)


def _pin_clock(now: str | None) -> None:
    if now:
        clock.set(now)


jobs_group = AppGroup("jobs", help="Background jobs: queue, scheduler, periodic work.")


@jobs_group.command("status")
def jobs_status() -> None:
    """Queue length, scheduled and failed jobs, and the outbox; exit 1 when Redis is down."""
    healthy = True
    if current_app.config["REDIS_URL"]:
        try:
            state = queueing.status(current_app)
        except Exception as error:  # noqa: BLE001 - reported, and the exit code says it
            click.echo(f"redis: down ({error})")
            healthy = False
        else:
            click.echo("redis: ok")
            click.echo(f"queue {queueing.QUEUE_NAME}: queued={state['queued']} scheduled={state['scheduled']} "
                       f"started={state['started']} failed={state['failed']} workers={state['workers']}")
    else:
        click.echo("redis: disabled (jobs run inline after commit; the dev server runs the tick)")
    counts = delivery.counts(db.session)
    overdue = delivery.overdue(db.session, clock.now())
    click.echo("notifications: " + " ".join(
        f"{status}={counts.get(status, 0)}" for status in ("pending", "sending", "sent", "failed")
    ) + f" overdue={overdue}")
    if not healthy:
        sys.exit(1)


@jobs_group.command("tick")
@click.option("--now", help="Pretend it is this moment (ISO 8601).")
def jobs_tick(now: str | None) -> None:
    """Run the periodic work once, here: sweep, lost deliveries, due daily jobs."""
    _pin_clock(now)
    entry = jobs.tick()
    click.echo({key: value for key, value in entry.items() if key not in ("job", "ms")})


@jobs_group.command("daily")
@click.option("--now", help="Pretend it is this moment (ISO 8601).")
def jobs_daily(now: str | None) -> None:
    """Run the daily jobs not yet done today (each runs once a day)."""
    _pin_clock(now)
    entry = jobs.run_daily()
    click.echo(entry.get("ran") or entry.get("outcome"))


notifications_group = AppGroup("notifications", help="The notification outbox.")


@notifications_group.command("failed")
@click.option("--district", "district_code", help="Only this district's applications.")
@click.option("--limit", default=50, show_default=True)
def notifications_failed(district_code: str | None, limit: int) -> None:
    """List messages that failed for good (newest first)."""
    district_id = None
    if district_code:
        district_id = db.session.scalar(select(District.id).where(District.code == district_code))
        if district_id is None:
            raise click.BadParameter("no such district", param_hint="--district")
    rows = delivery.failed(db.session, district_id, limit)
    if not rows:
        click.echo("no failed messages")
    for row, number in rows:
        click.echo(f"{row.id}\t{row.created_at:%Y-%m-%d %H:%M}\t{row.channel}\t{row.recipient}\t{row.event}\t"
                   f"{number or '-'}\tattempts={row.attempts}\t{row.last_error}")


@notifications_group.command("resend")
@click.argument("notification_id", type=int)
def notifications_resend(notification_id: int) -> None:
    """Send a failed message again, with a fresh set of attempts."""
    try:
        row = delivery.resend(db.session, notification_id, clock.now())
    except errors.DomainError as error:
        raise click.ClickException(str(error)) from None
    tasks.commit(db.session)
    db.session.refresh(row)
    click.echo(f"notification {row.id}: {row.status} (attempts={row.attempts})")
