"""Picking what the benchmarks ask for: the largest segment and random waiting applications."""
from sqlalchemy import func, select

from webapp.models import Application, Child
from webapp.services.queue import Segment


def largest_segment(session) -> tuple[Segment, int]:
    locality, language, year, waiting = session.execute(
        select(Application.locality_id, Application.language, Application.birth_year, func.count())
        .where(Application.waiting.is_(True))
        .group_by(Application.locality_id, Application.language, Application.birth_year)
        .order_by(func.count().desc()).limit(1)
    ).one()
    return Segment(locality, language, year), waiting


def waiting_applications(session, rng, count: int, segment: Segment | None = None) -> list[tuple[str, str]]:
    """(number, child's IIN) of ``count`` random waiting applications, of one segment or of all."""
    stmt = select(Application.id).where(Application.waiting.is_(True))
    if segment is not None:
        stmt = stmt.where(Application.locality_id == segment.locality_id, Application.language == segment.language,
                          Application.birth_year == segment.birth_year)
    ids = list(session.scalars(stmt))
    chosen = rng.sample(ids, min(count, len(ids)))
    found = dict(session.execute(
        select(Application.id, Application.number).where(Application.id.in_(chosen))
    ).all())
    iins = dict(session.execute(
        select(Application.id, Child.iin).join(Child, Child.id == Application.child_id)
        .where(Application.id.in_(chosen))
    ).all())
    return [(found[i], iins[i]) for i in chosen]


def lookup_queries(session, rng, count: int) -> tuple[list[str], Segment, int]:
    """Half from the largest segment (the longest counts), half from anywhere; one in three by IIN."""
    segment, size = largest_segment(session)
    picked = waiting_applications(session, rng, count // 2, segment)
    picked += waiting_applications(session, rng, count - len(picked))
    rng.shuffle(picked)
    return [iin if i % 3 == 2 else number for i, (number, iin) in enumerate(picked)], segment, size
