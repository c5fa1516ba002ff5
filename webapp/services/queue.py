"""The queue (DESIGN §4): tiers, order, positions and their explanation.

A segment's waiting applications fall into three tiers. Extraordinary ones come first; priority (P)
and ordinary (O) ones are then interleaved P₁, O₁…Oₖ, P₂, … with k the district's priority_ratio.
Because the order inside each tier is simply (submitted_at, number), a position is a closed formula
over four counts. They come from the maintained tally (models.tally, services.tally): the tier
totals of the segment, the waiting applications of the same tier on earlier days of submission, and
a count within the application's own day — never a scan of the segment's queue.
"""
import re
from dataclasses import dataclass
from datetime import date
from math import ceil

from sqlalchemy import and_, select, tuple_

from ..models import Application, Child, District, Locality
from . import queue_statements as statements
from . import tally
from .errors import InvalidInput, NotFound

TIER_NAMES = statements.TIER_NAMES


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
    """Waiting applications per tier: three rows of the maintained ``queue_count``."""
    return _counts_and_ratio(session, segment, ratio=False)[0]


def _read(session, stmt, params: dict):
    """Run one of the prebuilt read statements on the session's connection: the ORM's execution
    layer added a fifth to each, and they carry no entities. Pending changes are flushed first,
    as the session's own autoflush would."""
    if session.autoflush and (session.new or session.dirty or session.deleted):
        session.flush()
    return session.connection().execute(stmt, params)


def _segment_params(segment: Segment) -> dict:
    return {"loc": segment.locality_id, "lang": segment.language, "year": segment.birth_year}


def _place_params(application) -> dict:
    day = tally.day_of(application.submitted_at)
    return dict(_segment_params(Segment.of(application)), tier=application.tier, day=day,
                day_start=tally.day_start(day), at=application.submitted_at, number=application.number)


def _counts_and_ratio(session, segment: Segment, ratio: bool = True) -> tuple[Counts, int | None]:
    """The tier counts and the district's priority ratio, in one round trip."""
    row = _read(session, statements.counts_and_ratio(), _segment_params(segment)).one()
    if ratio and row[3] is None:
        raise NotFound()
    return Counts(*(int(n) for n in row[:3])), row[3]


def rank(session, application) -> int:
    return _standing(session, application, ratio=False)[2]


def priority_ratio(session, locality_id: int) -> int:
    ratio = session.scalar(
        select(District.priority_ratio).join(Locality, Locality.district_id == District.id)
        .where(Locality.id == locality_id)
    )
    if ratio is None:
        raise NotFound()
    return ratio


def counts_and_rank(session, application) -> tuple[Counts, int]:
    """``counts`` and ``rank`` in one round trip, from the maintained tally: the cost does not grow
    with the segment."""
    counted, _, r = _standing(session, application, ratio=False)
    return counted, r


def _standing(session, application, ratio: bool = True) -> tuple[Counts, int | None, int]:
    """Tier counts, ratio and rank: the segment's tier totals, the waiting applications of the same
    tier on earlier days of submission (``queue_tally``: a few hundred small rows at most, however
    long the queue), plus a count within the application's own day from the queue index."""
    row = _read(session, statements.standing(), _place_params(application)).one()
    if ratio and row[3] is None:
        raise NotFound()
    return Counts(*(int(n) for n in row[:3])), row[3], int(row[4]) + int(row[5]) + 1


def explain(session, application) -> Explanation | None:
    """Position and explanation of one application; None when it is not waiting. One query."""
    if not application.waiting:
        return None
    c, k, r = _standing(session, application)
    who = ahead(application.tier, r, c, k)
    return Explanation(sum(who.values()) + 1, application.tier, r, who, c, k)


def look_up(session, query: str) -> dict | None:
    """``find`` and ``explain`` in one round trip, for the public lookup: the application's public
    fields, its segment and, when it waits, its position and who is ahead; None if unknown."""
    text = (query or "").strip()
    by_iin = text.isdigit()
    stmt = statements.lookup(session.get_bind().dialect.name, by_iin)
    row = _read(session, stmt, {"q": text if by_iin else text.upper()}).first()
    if row is None:
        return None
    number, status, tier, submitted_at, locality_id, language, birth_year, waiting, e, p, o, k, before, within = row
    found = {"number": number, "status": status, "tier": tier, "submitted_at": submitted_at,
             "segment": Segment(locality_id, language, birth_year), "position": None, "ahead": None}
    if waiting:
        who = ahead(tier, int(before) + int(within) + 1, Counts(int(e), int(p), int(o)), k)
        found.update(position=sum(who.values()) + 1, ahead=who)
    return found


def page(session, segment: Segment, number: int = 1, per_page: int = 50):
    """One page of the segment in queue order: (total, [(position, application), ...])."""
    if number < 1 or per_page < 1:
        raise InvalidInput()
    c, k = _counts_and_ratio(session, segment)
    return _page(session, segment, number, per_page, k, c)


def _page(session, segment: Segment, number: int, per_page: int, k: int, c: Counts):
    ids = [(position(tier, r, c, k), application_id)
           for tier, ranks, found in _tier_rows(session, segment, number, per_page, k, c, public=False)
           for r, application_id in zip(ranks, (row[0] for row in found))]
    loaded = {a.id: a for a in session.scalars(select(Application).where(
        Application.id.in_([application_id for _, application_id in ids])))} if ids else {}
    return c.total, sorted(((place, loaded[application_id]) for place, application_id in ids),
                           key=lambda pair: pair[0])


def public_page(session, segment: Segment, number: int = 1, per_page: int = 50):
    """``page`` as the public sees it: (total, [(position, row)]) with rows (number, tier,
    submitted_at, status, child's name, child's surname). One query for the counts, one to locate
    the page's days in the tally, one per tier shown."""
    if number < 1 or per_page < 1:
        raise InvalidInput()
    c, k = _counts_and_ratio(session, segment)
    rows = [(position(tier, r, c, k), item)
            for tier, ranks, found in _tier_rows(session, segment, number, per_page, k, c, public=True)
            for r, item in zip(ranks, found)]
    rows.sort(key=lambda pair: pair[0])
    return c.total, rows


def _tier_rows(session, segment: Segment, number: int, per_page: int, k: int, c: Counts, public: bool):
    """(tier, ranks of the tier on the page, their rows) for each tier on the page. ``queue_tally``
    locates the day of submission of each tier's first rank, so a page reads at most one day's
    applications before its own rows, at any depth."""
    first = (number - 1) * per_page + 1
    last = min(first + per_page - 1, c.total)
    windows = {tier: ranks for tier in TIER_NAMES if (ranks := ranks_in_window(tier, c, k, first, last))}
    if not windows:
        return []
    params = dict(_segment_params(segment), **{f"skip_{tier}": ranks.start - 1 for tier, ranks in windows.items()})
    starts = {tier: (day if isinstance(day, date) else date.fromisoformat(day), int(before))
              for tier, day, before in _read(session, statements.days_of_ranks(tuple(windows)), params)}
    found = []
    for tier, ranks in windows.items():
        if tier not in starts:
            continue
        day, before = starts[tier]
        rows = _read(session, statements.page_rows(tier, public), dict(
            _segment_params(segment), day_start=tally.day_start(day), skip=ranks.start - 1 - before,
            count=len(ranks))).all()
        found.append((tier, ranks, rows))
    return found


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

