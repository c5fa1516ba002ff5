"""The queue (DESIGN §4): tiers, order, positions and their explanation.

A segment's waiting applications fall into three tiers. Extraordinary ones come first; priority (P)
and ordinary (O) ones are then interleaved P₁, O₁…Oₖ, P₂, … with k the district's priority_ratio.
Because the order inside each tier is simply (submitted_at, number), a position is a closed formula
over four counts, each answered by one index range scan: no ordering of the whole queue is needed.
"""
import re
from dataclasses import dataclass
from math import ceil

from sqlalchemy import and_, func, select, tuple_

from ..models import Application, Child, District, Locality
from .errors import InvalidInput, NotFound


@dataclass(frozen=True)
class Segment:
    locality_id: int
    language: str
    birth_year: int

    @classmethod
    def of(cls, obj) -> "Segment":
        return cls(obj.locality_id, obj.language, obj.birth_year)

    def as_dict(self) -> dict:
        return {"locality_id": self.locality_id, "language": self.language, "birth_year": self.birth_year}


@dataclass(frozen=True)
class Counts:
    extraordinary: int
    priority: int
    ordinary: int

    @property
    def total(self) -> int:
        return self.extraordinary + self.priority + self.ordinary


@dataclass(frozen=True)
class Explanation:
    """A position and who is ahead, per tier: the "why" shown beside every position."""

    position: int
    tier: str
    rank: int  # 1-based place among the waiting applications of the same tier
    ahead: dict  # {"extraordinary": n, "priority": n, "ordinary": n}
    counts: Counts
    priority_ratio: int


# --- the pure rules -------------------------------------------------------------------------------

def position(tier: str, rank: int, counts: Counts, k: int) -> int:
    return sum(ahead(tier, rank, counts, k).values()) + 1


def ahead(tier: str, rank: int, counts: Counts, k: int) -> dict:
    e, p, o = counts.extraordinary, counts.priority, counts.ordinary
    if tier == "extraordinary":
        return {"extraordinary": rank - 1, "priority": 0, "ordinary": 0}
    if tier == "priority":
        ordinary_ahead = 0 if k == 0 else min(o, k * (rank - 1))
        return {"extraordinary": e, "priority": rank - 1, "ordinary": ordinary_ahead}
    priority_ahead = p if k == 0 else min(p, ceil(rank / k))
    return {"extraordinary": e, "priority": priority_ahead, "ordinary": rank - 1}


def ranks_in_window(tier: str, counts: Counts, k: int, first: int, last: int) -> range:
    """Ranks of ``tier`` whose positions fall in [first, last]; positions grow with rank."""
    size = getattr(counts, tier)
    lo = _first_rank_at_or_after(tier, counts, k, first, size)
    hi = _first_rank_at_or_after(tier, counts, k, last + 1, size)
    return range(lo, hi)


def _first_rank_at_or_after(tier, counts, k, target, size) -> int:
    lo, hi = 1, size + 1
    while lo < hi:
        mid = (lo + hi) // 2
        if position(tier, mid, counts, k) >= target:
            hi = mid
        else:
            lo = mid + 1
    return lo


# --- reading the database -------------------------------------------------------------------------

def _in_segment(segment: Segment):
    return and_(
        Application.locality_id == segment.locality_id,
        Application.language == segment.language,
        Application.birth_year == segment.birth_year,
        Application.waiting.is_(True),
    )


def counts(session, segment: Segment) -> Counts:
    rows = session.execute(
        select(Application.tier, func.count()).where(_in_segment(segment)).group_by(Application.tier)
    ).all()
    found = dict(rows)
    return Counts(found.get("extraordinary", 0), found.get("priority", 0), found.get("ordinary", 0))


def rank(session, application) -> int:
    segment = Segment.of(application)
    before = session.scalar(
        select(func.count()).where(
            _in_segment(segment),
            Application.tier == application.tier,
            tuple_(Application.submitted_at, Application.number)
            < tuple_(application.submitted_at, application.number),
        )
    )
    return before + 1


def priority_ratio(session, locality_id: int) -> int:
    ratio = session.scalar(
        select(District.priority_ratio).join(Locality, Locality.district_id == District.id)
        .where(Locality.id == locality_id)
    )
    if ratio is None:
        raise NotFound()
    return ratio


def counts_and_rank(session, application) -> tuple[Counts, int]:
    """``counts`` and ``rank`` in one pass over the segment's slice of the queue index: the count of
    those ahead in the same tier rides along as a filtered count. Two passes cost twice as much."""
    segment = Segment.of(application)
    ahead_in_tier = and_(
        Application.tier == application.tier,
        tuple_(Application.submitted_at, Application.number) < tuple_(application.submitted_at, application.number),
    )
    rows = session.execute(
        select(Application.tier, func.count(), func.count().filter(ahead_in_tier))
        .where(_in_segment(segment)).group_by(Application.tier)
    ).all()
    found = {tier: total for tier, total, _ in rows}
    counted = Counts(found.get("extraordinary", 0), found.get("priority", 0), found.get("ordinary", 0))
    return counted, sum(before for _, _, before in rows) + 1


def explain(session, application) -> Explanation | None:
    """Position and explanation of one application; None when it is not waiting."""
    if not application.waiting:
        return None
    segment = Segment.of(application)
    k = priority_ratio(session, segment.locality_id)
    c, r = counts_and_rank(session, application)
    who = ahead(application.tier, r, c, k)
    return Explanation(sum(who.values()) + 1, application.tier, r, who, c, k)


def page(session, segment: Segment, number: int = 1, per_page: int = 50):
    """One page of the segment in queue order: (total, [(position, application), ...])."""
    if number < 1 or per_page < 1:
        raise InvalidInput()
    k = priority_ratio(session, segment.locality_id)
    return _page(session, segment, number, per_page, k, counts(session, segment))


def _page(session, segment: Segment, number: int, per_page: int, k: int, c: Counts, columns=None):
    first = (number - 1) * per_page + 1
    last = min(first + per_page - 1, c.total)
    rows = []
    for tier in ("extraordinary", "priority", "ordinary"):
        ranks = ranks_in_window(tier, c, k, first, last)
        if not ranks:
            continue
        found = _slice(session, segment, tier, ranks.start - 1, len(ranks), columns)
        rows.extend((position(tier, r, c, k), item) for r, item in zip(ranks, found))
    rows.sort(key=lambda pair: pair[0])
    return c.total, rows


def _slice(session, segment: Segment, tier: str, skip: int, count: int, columns=None) -> list:
    """Ranks skip+1 … skip+count of a tier, in order. The inner query reads only columns of the
    queue index, so the skipped part is counted in the index (on PostgreSQL an index-only scan)
    instead of every skipped row being fetched from the table, which made deep pages slow; the
    outer one then fetches just the rows of the page."""
    window = (
        select(Application.number).where(_in_segment(segment), Application.tier == tier)
        .order_by(Application.submitted_at, Application.number).offset(skip).limit(count)
    )
    stmt = (
        (select(*columns) if columns else select(Application))
        .where(Application.number.in_(window)).order_by(Application.submitted_at, Application.number)
    )
    return session.execute(stmt).all() if columns else session.scalars(stmt).all()


def walk(session, segment: Segment, batch: int = 200, columns=None):
    """Every waiting application of the segment in queue order, as (position, application); with
    ``columns`` (e.g. ``(Application.id, Application.status)``) plain rows instead of objects.

    Nothing needs counting to walk the queue: each tier is read in its own order, a batch at a time
    from where the last batch ended (keyset pages: an index range scan each, however deep), and the
    tiers are merged by the rule of DESIGN §4. Distribution usually stops after a few hundred
    applications, so it reads a few small slices instead of counting the whole segment."""
    k = priority_ratio(session, segment.locality_id)
    streams = [_tier_stream(session, segment, tier, batch, columns) for tier in ("extraordinary", "priority",
                                                                                  "ordinary")]
    for index, item in enumerate(_merged(*streams, k), start=1):
        yield index, item


def _merged(extraordinary, priority, ordinary, k: int):
    """E₁…E_E, then P₁, O₁…Oₖ, P₂, Oₖ₊₁…O₂ₖ, … until one list runs out, then the rest of the other
    (k = 0: every P before every O) — the order ``position`` numbers."""
    yield from extraordinary
    if k == 0:
        yield from priority
        yield from ordinary
        return
    while True:
        first = next(priority, None)
        if first is None:
            yield from ordinary
            return
        yield first
        for _ in range(k):
            following = next(ordinary, None)
            if following is None:
                yield from priority
                return
            yield following


def _tier_stream(session, segment: Segment, tier: str, batch: int, columns=None):
    order = (Application.submitted_at, Application.number)
    after = None
    while True:
        stmt = (select(*columns, *order) if columns else select(Application)).where(
            _in_segment(segment), Application.tier == tier)
        if after is not None:
            stmt = stmt.where(tuple_(*order) > tuple_(*after))
        stmt = stmt.order_by(*order).limit(batch)
        if columns:
            found = session.execute(stmt).all()
            yield from (tuple(row[:len(columns)]) for row in found)
            after = tuple(found[-1][len(columns):]) if found else None
        else:
            found = session.scalars(stmt).all()
            yield from found
            after = (found[-1].submitted_at, found[-1].number) if found else None
        if len(found) < batch:
            return


def find(session, query: str):
    """An application by its number or by the child's IIN (its current, non-final one first)."""
    text = (query or "").strip()
    if IIN_QUERY.fullmatch(text):
        stmt = (
            select(Application).join(Child, Child.id == Application.child_id).where(Child.iin == text)
            .order_by(Application.waiting.desc(), Application.id.desc()).limit(1)
        )
    else:
        stmt = select(Application).where(Application.number == text.upper())
    return session.scalars(stmt).first()


# ASCII classes only: ``\d`` would also take Arabic-Indic or full-width digits, which no IIN or
# number contains (the OpenAPI pattern is [0-9]{12}), so such a query is malformed (422), not unknown.
IIN_QUERY = re.compile(r"[0-9]{12}")
NUMBER_QUERY = re.compile(r"[A-Za-z]{1,8}-[0-9]{4}-[0-9]{6,9}")


def is_lookup_query(text: str) -> bool:
    """12 digits (an IIN) or an application number such as GM-2026-000123."""
    text = (text or "").strip()
    return bool(IIN_QUERY.fullmatch(text) or NUMBER_QUERY.fullmatch(text))

