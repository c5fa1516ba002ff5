"""Command line (DESIGN §10): ``flask --app wsgi <command>``."""
import json
import sys
from datetime import date

import click
from flask.cli import AppGroup
from sqlalchemy import select

from . import cli_jobs
from .extensions import db
from .models import District, Kindergarten
from .services import audit, calendar, clock, errors, movement_log, sweep, tally, tasks, users


def register(app) -> None:
    app.cli.add_command(seed_demo)
    app.cli.add_command(sweep_command)
    app.cli.add_command(calendar_group)
    app.cli.add_command(audit_group)
    app.cli.add_command(users_group)
    app.cli.add_command(movement_group)
    app.cli.add_command(queue_group)
    cli_jobs.register(app)


def _pin_clock(now: str | None) -> None:
    if now:
        clock.set(now)


@click.command("seed-demo")
@click.option("--applications", "count", default=2000, show_default=True, help="How many applications.")
@click.option("--seed", default=1, show_default=True, help="Random seed: the same seed, the same district.")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has a district.")
def seed_demo(count: int, seed: int, if_empty: bool) -> None:
    """Create a realistic demo district with its queue history."""
    from . import demo

    summary = demo.seed(db.session, applications=count, seed=seed, only_if_empty=if_empty)
    click.echo(summary)


@click.command("sweep")
@click.option("--now", help="Pretend it is this moment (ISO 8601).")
def sweep_command(now: str | None) -> None:
    """Run every due expiry and transition once."""
    _pin_clock(now)
    done = sweep.run(db.session, clock.now())
    click.echo(" ".join(f"{name}={count}" for name, count in sorted(done.items())) or "nothing due")


calendar_group = AppGroup("calendar", help="The working-day calendar.")


@calendar_group.command("deadline")
@click.option("--from", "start", required=True, type=click.DateTime(["%Y-%m-%d"]), help="Day D.")
@click.option("--working-days", "n", required=True, type=click.IntRange(1, 366))
@click.option("--district", "district_code", help="Apply this district's overrides.")
def calendar_deadline(start, n: int, district_code: str | None) -> None:
    """Print the Nth working day after D (YYYY-MM-DD)."""
    overrides = {}
    if district_code:
        district = db.session.scalar(select(District).where(District.code == district_code))
        if district is None:
            raise click.BadParameter("no such district", param_hint="--district")
        first = start.date()
        overrides = calendar.load_overrides(db.session, district.id, first, date(first.year + 2, 1, 1))
    click.echo(calendar.nth_working_day_after(start.date(), n, overrides).isoformat())


audit_group = AppGroup("audit", help="The public audit chain.")


@audit_group.command("verify")
@click.option("--checkpoints", "checkpoints_file", type=click.File("r", encoding="utf-8"),
              help="Also hold the chain to these checkpoints: the JSON of /api/v1/audit/checkpoints kept earlier.")
def audit_verify(checkpoints_file) -> None:
    """Re-check the whole hash chain and every checkpoint; exit 1 at the first failure."""
    published = []
    if checkpoints_file is not None:
        try:
            published = audit.published_checkpoints(json.load(checkpoints_file))
        except ValueError as error:
            raise click.BadParameter(f"not the JSON of /api/v1/audit/checkpoints: {error}",
                                     param_hint="--checkpoints") from None
    broken = audit.find_break(db.session, published=published)
    if broken is not None:
        click.echo(str(broken), err=True)
        sys.exit(1)
    head = audit.head(db.session)
    checked = len(audit.stored_checkpoints(db.session)) + len(published)
    click.echo(f"audit chain ok: {head.seq if head else 0} events, head {head.hash if head else audit.GENESIS}, "
               f"{checked} checkpoints match")


@audit_group.command("checkpoint")
@click.option("--day", type=click.DateTime(["%Y-%m-%d"]), required=True)
def audit_checkpoint(day) -> None:
    """Record the chain head at the end of DAY."""
    row = audit.checkpoint(db.session, day.date())
    tasks.commit(db.session)
    click.echo(f"{row.day} seq={row.seq} {row.hash}" if row else "no events by then")


movement_group = AppGroup("movement", help="The derived tables of \"Movement explained\".")


@movement_group.command("rebuild")
@click.option("--now", help="Pretend it is this moment (ISO 8601).")
@click.option("--months", default=movement_log.REBUILD_MONTHS, show_default=True, type=click.IntRange(1, 240),
              help="How many months of the audit chain to read.")
def movement_rebuild(now: str | None, months: int) -> None:
    """Derive the monthly waiting-set changes again from the audit chain."""
    _pin_clock(now)
    read = movement_log.rebuild(db.session, clock.now(), months)
    tasks.commit(db.session)
    click.echo(f"movement tables rebuilt from {read} audit events")


users_group = AppGroup("users", help="Accounts.")


@users_group.command("create")
@click.option("--role", type=click.Choice(["parent", "staff", "department", "admin"]), required=True)
@click.option("--phone", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--name", "full_name", default="")
@click.option("--email")
@click.option("--district", "district_code")
@click.option("--kindergarten", "kindergarten_id", type=int)
def users_create(role, phone, password, full_name, email, district_code, kindergarten_id) -> None:
    """Create an account (staff need --kindergarten, department operators --district)."""
    district_id = None
    if district_code:
        district_id = db.session.scalar(select(District.id).where(District.code == district_code))
        if district_id is None:
            raise click.BadParameter("no such district", param_hint="--district")
    if kindergarten_id is not None:
        kindergarten = db.session.get(Kindergarten, kindergarten_id)
        if kindergarten is None:
            raise click.BadParameter("no such kindergarten", param_hint="--kindergarten")
        district_id = district_id or kindergarten.district_id
    try:
        user = users.create(db.session, phone, password, clock.now(), role=role, full_name=full_name,
                            email=email, district_id=district_id, kindergarten_id=kindergarten_id)
    except errors.DomainError as error:
        raise click.ClickException(str(error)) from None
    tasks.commit(db.session)
    click.echo(f"user {user.id} {user.phone} {user.role}")


queue_group = AppGroup("queue", help="The queue's derived data.")


@queue_group.command("recount")
@click.option("--check", is_flag=True, help="Only compare; change nothing, exit 1 on any difference.")
def queue_recount(check: bool) -> None:
    """Recount the queue tally from the applications, report every difference, and rebuild it."""
    found = tally.differences(db.session)
    for item in found[:50]:
        click.echo(f"{item['table']} {item['key']}: stored {item['stored']}, recounted {item['expected']}")
    if len(found) > 50:
        click.echo(f"… and {len(found) - 50} more")
    if check:
        db.session.rollback()
        click.echo(f"{len(found)} difference(s)" if found else "queue tally exact")
        sys.exit(1 if found else 0)
    tally.rebuild(db.session)
    db.session.commit()
    click.echo(f"queue tally rebuilt; {len(found)} difference(s) corrected" if found
               else "queue tally exact; rebuilt from the applications")
