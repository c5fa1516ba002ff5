"""``flask seed-demo``: a plausible, deterministic demo district of any size up to a million
applications (DESIGN §10).

1. ``district``: localities, kindergartens, groups, privilege categories, accounts (ORM).
2. ``population`` and ``lifecycle``: families, children with valid IINs, applications and their
   past up to the horizon — claims decided, interest confirmed or not, ageing out, withdrawals.
3. ``rows`` and ``bulk``: all of that written with executemany / COPY, the audit chain hashed in
   Python with the services' own functions, number counters set so that submissions continue.
4. ``history``: the last days played through the real services with the clock moved, so that
   invitations, responses, referrals, enrolments and stop-lists exist and are consistent.

The same seed and the same "now" give the same district: numbers, IINs, names and states.
"""
import logging
import random
import time
from datetime import datetime, timezone

import click
from sqlalchemy import func, select

from ..models import Application, AuditCheckpoint, Child, District, User
from ..services import audit, clock, movement_log, tally, tasks
from . import bulk, district, history, names, rows
from .lifecycle import Lifecycle
from .population import Generator
from .timeline import Calendar, to_us

log = logging.getLogger(__name__)
MIN_APPLICATIONS = 100
BULK_TABLES = ("user", "child", "application", "application_preference", "privilege_claim", "audit_event")


def seed(session, applications: int = 2000, seed: int = 1, only_if_empty: bool = False) -> str:
    if session.scalar(select(func.count()).select_from(District)):
        if only_if_empty:
            return "A district already exists: seed-demo --if-empty left the database as it is."
        if session.scalar(select(District.id).where(District.code == names.DISTRICT["code"])):
            raise click.ClickException(f"district {names.DISTRICT['code']} already exists; use a fresh database")
    if applications < MIN_APPLICATIONS:
        raise click.BadParameter(f"at least {MIN_APPLICATIONS} applications", param_hint="--applications")
    phases = _Phases()
    now = clock.now()
    rng = random.Random(seed)
    calendar = Calendar(names.DISTRICT["timezone"], 2000, now.year + 1)
    year = now.astimezone(calendar.zone).year
    start = history.horizon(now, calendar)
    world = district.build(session, rng, year, founded=datetime(year - 7, 1, 1, tzinfo=timezone.utc))
    phases.done("district")
    bulk_count = applications - history.NEWCOMERS  # the newcomers apply through the services
    population = Generator(rng, world, to_us(start), calendar, *_taken(session)).generate(bulk_count)
    phases.done("population")
    past = Lifecycle(rng, world, calendar, to_us(start)).run(population)
    phases.done("lifecycle")
    ids, demo_application_id = _write(session, world, population, past, calendar)
    tasks.commit(session)
    phases.done("bulk write")
    tally.rebuild(session)  # the rows above bypassed the ORM; the services below keep it in step
    tasks.commit(session)
    phases.done("queue tally")
    movement_log.rebuild(session, now)  # the bulk rows bypassed the audit hook that keeps it current
    tasks.commit(session)
    phases.done("movement")
    bulk.analyze(session)
    phases.done("analyze")
    del population, past  # the history below needs none of it; give the memory back first
    history.Player(session, world, rng, start, now, demo_parent_id=ids.user).play(demo_application_id)
    movement_log.close_months(session, now)  # the history may reach back into last month
    tasks.commit(session)
    phases.done("history")
    return _summary(session, world, seed, now, phases.total())


class _Phases:
    """Logs how long each step took: the numbers docs/BENCHMARKS.md reports for seeding."""

    def __init__(self):
        self.started = self.last = time.perf_counter()

    def done(self, name: str) -> None:
        now = time.perf_counter()
        log.info("seed-demo: %s in %.1f s", name, now - self.last)
        self.last = now

    def total(self) -> float:
        return time.perf_counter() - self.started


def _taken(session) -> tuple[set, set]:
    """IINs and phones already in a database the demo joins (empty in the usual case)."""
    if not session.scalar(select(func.count()).select_from(User)):
        return set(), set()
    return set(session.scalars(select(Child.iin))), set(session.scalars(select(User.phone)))


def _write(session, world, population, past, calendar):
    writer = bulk.BulkWriter(session)
    ids = rows.Ids(user=writer.next_id("user"), child=writer.next_id("child"),
                   application=writer.next_id("application"), preference=writer.next_id("application_preference"),
                   claim=writer.next_id("privilege_claim"))
    numbers = rows.Numbers(world.code, population, calendar)
    parents = rows.Parents(population, ids)
    with writer.loading(BULK_TABLES):
        writer.write("user", rows.USER_COLUMNS, rows.users(population, world, ids))
        population.forget_parents()  # a hundred megabytes at a million; the audit keeps only digests and names
        writer.write("child", rows.CHILD_COLUMNS, rows.children(population, ids))
        writer.write("application", rows.APPLICATION_COLUMNS,
                     rows.applications(population, past, world, ids, numbers))
        writer.write("application_preference", rows.PREFERENCE_COLUMNS, rows.preferences(population, ids))
        writer.write("privilege_claim", rows.CLAIM_COLUMNS, rows.claims(population, past, world, ids))
        head = audit.head(session)
        chain = rows.Chain(head.seq if head else 0, head.hash if head else audit.GENESIS, world, population,
                           parents, numbers, calendar)
        writer.write("audit_event", rows.AUDIT_COLUMNS, chain.rows(past.events))
    known_days = {day.isoformat() for day in session.scalars(select(AuditCheckpoint.day))}
    writer.write("audit_checkpoint", rows.CHECKPOINT_COLUMNS,
                 (row for row in chain.checkpoints if row[0] not in known_days))
    writer.upsert_counters({f"application:{world.code}:{y}": n for y, n in numbers.last.items()})
    writer.finish()
    demo = next(a for a in range(len(population)) if population.mode[a] == 1 and population.claim[a] >= 0)
    return ids, ids.application + demo


def _summary(session, world, seed: int, now, seconds: float) -> str:
    by_status = dict(session.execute(
        select(Application.status, func.count()).where(Application.district_id == world.district_id)
        .group_by(Application.status)
    ).all())
    largest = session.execute(
        select(Application.locality_id, Application.language, Application.birth_year, func.count().label("n"))
        .where(Application.district_id == world.district_id, Application.waiting.is_(True))
        .group_by(Application.locality_id, Application.language, Application.birth_year)
        .order_by(func.count().desc()).limit(1)
    ).first()
    head = audit.head(session)
    locality = world.locality_names[world.localities.index(largest[0])] if largest else "—"
    lines = [
        f"Demo district {world.code} «{names.DISTRICT['name_ru']}» as of {clock.iso(now)} (seed {seed}), "
        f"seeded in {seconds:.1f} s:",
        f"  {len(world.localities)} localities, {len(world.staff)} kindergartens, {world.groups} groups, "
        f"{len(world.categories)} privilege categories",
        f"  {sum(by_status.values())} applications: "
        + ", ".join(f"{status} {by_status.get(status, 0)}" for status in _STATUS_ORDER),
        f"  largest segment: {locality} / {largest[1]} / {largest[2]}, {largest[3]} waiting" if largest else "",
        f"  audit chain: {head.seq if head else 0} events (check with `flask audit verify`)",
        "Demo accounts (demo only: never use these passwords anywhere real):",
    ]
    for role, (phone, password) in district.ACCOUNTS.items():
        note = f"  ({world.demo_kindergarten_name})" if role == "staff" else ""
        lines.append(f"  {role:<11} {phone}  {password}{note}")
    lines.append("Every other staff account has the staff password, every other parent the parent password.")
    return "\n".join(line for line in lines if line)


_STATUS_ORDER = ("queued", "invited", "responded", "referred", "enrolled", "stop_listed", "inactive",
                 "withdrawn", "aged_out")
