"""The past of every application up to the horizon, by the rules of DESIGN §4–§5.

Submitted → (a privilege claim verified or rejected by the department; a verified one may lapse)
→ each year the parent confirms interest between 10 January and 30 September, or on 1 October
the application goes inactive (and may be reactivated in a later year) → on 1 September of the
year the child turns six it ages out, unless the parent withdrew it first.

Each step that the services would audit becomes one event, packed into a single int
``(instant, application, kind, status)`` so that millions of them sort by time in little memory.
"""
from array import array
from datetime import date, timedelta

from . import names
from .timeline import DAY

QUEUED, INACTIVE, AGED_OUT, WITHDRAWN = range(4)
STATUSES = ("queued", "inactive", "aged_out", "withdrawn")
TIERS = ("extraordinary", "priority", "ordinary")
ORDINARY = 2
SUBMITTED, CONFIRMED, DEACTIVATED, AGED, WITHDRAWAL, VERIFIED, EXPIRED = range(1, 8)
_DECIDE = 8  # a claim decision: only "verified" produces an event
NO_CLAIM, PENDING, CLAIM_VERIFIED, REJECTED = range(4)

CONFIRM_WINDOW = 263 * DAY  # 10 January – 30 September
CONFIRM_SHARE = 0.94  # parents who still want the place confirm every year
REACTIVATE_SHARE = 0.35  # an inactive application comes back in a later year
WITHDRAW_SHARE = 0.03
REJECT_SHARE = 0.15
MAX_APPLICATIONS = 1 << 22
INDEX_MASK = MAX_APPLICATIONS - 1


def pack(instant: int, index: int, kind: int, status: int) -> int:
    return (((instant << 22 | index) << 4 | kind) << 3) | status


def unpack(key: int) -> tuple[int, int, int, int]:
    return key >> 29, (key >> 7) & INDEX_MASK, (key >> 3) & 15, key & 7


class History:
    """Outcome columns (aligned with the population's) and the sorted events."""

    def __init__(self, size: int):
        self.status = bytearray(size)
        self.tier = bytearray([ORDINARY]) * size
        self.interest_year = array("h", bytes(2 * size))
        self.updated = [0] * size
        self.claim_status = bytearray(size)
        self.claim_decided: list = [None] * size  # µs
        self.claim_valid_until: list = [None] * size  # date ordinal
        self.claim_reason: list = [None] * size
        self.events: list[int] = []  # packed ints (wider than 64 bits, so a list, not an array)


class Lifecycle:
    def __init__(self, rng, world, calendar, horizon_us: int):
        self.rng, self.world, self.calendar, self.horizon = rng, world, calendar, horizon_us
        last_year = calendar.year_of(horizon_us)
        # (year, first moment to confirm interest: 10 January, 1 October) for every year of the past
        self.yearly = [(y, calendar.midnight(date(y, 1, 10)), calendar.sweep_moment(date(y, 10, 1)))
                       for y in range(world.year - 8, last_year + 1)]
        self.category_tiers = {-1: ORDINARY, **{i: TIERS.index(p[1]) for i, p in enumerate(names.PRIVILEGES)}}
        self.age_out: dict[int, int] = {}

    def run(self, population) -> History:
        history = History(len(population))
        if len(population) >= MAX_APPLICATIONS:
            raise ValueError(f"at most {MAX_APPLICATIONS - 1} applications")
        for index in range(len(population)):
            self._live(population, history, index)
        history.events.sort()
        return history

    def _live(self, population, history: History, a: int) -> None:
        random, horizon, events = self.rng.random, self.horizon, history.events
        submitted, mode = population.submitted[a], population.mode[a]
        first_year = self.calendar.year_of(submitted)  # local, as applications.submit sets interest_year
        status, interest_year, tier, updated = QUEUED, first_year, ORDINARY, submitted
        events.append(pack(submitted, a, SUBMITTED, QUEUED))
        steps = self._claim_steps(population, history, a, submitted, mode)
        if mode == 0 and random() < WITHDRAW_SHARE:
            steps.append((submitted + int(random() * (horizon - submitted)), WITHDRAWAL, 0, 0))
        for year, confirm_from, october in self.yearly:
            if year <= first_year:
                continue
            confirm = confirm_from + int(random() * CONFIRM_WINDOW)
            chance = 0.0 if mode == 1 else 1.0 if mode == 2 else random()
            if confirm <= horizon:
                steps.append((confirm, CONFIRMED, chance, year))
            if october <= horizon:
                steps.append((october, DEACTIVATED, 0, year))
        ages_out = self._age_out_moment(population.birth[a])
        if ages_out <= horizon:
            steps.append((ages_out, AGED, 0, 0))
        steps.sort()
        category_tier = self.category_tiers[population.claim[a]]
        for instant, kind, value, year in steps:
            if kind == CONFIRMED:
                if status == QUEUED and interest_year < year and value < CONFIRM_SHARE:
                    events.append(pack(instant, a, CONFIRMED, QUEUED))
                elif status == INACTIVE and value < REACTIVATE_SHARE:
                    events.append(pack(instant, a, CONFIRMED, INACTIVE))
                    status = QUEUED
                else:
                    continue
                interest_year, updated = year, instant
            elif kind == DEACTIVATED:
                if status == QUEUED and interest_year < year:
                    events.append(pack(instant, a, DEACTIVATED, QUEUED))
                    status, updated = INACTIVE, instant
            elif kind == AGED or kind == WITHDRAWAL:
                if status == QUEUED or status == INACTIVE:
                    events.append(pack(instant, a, kind, status))
                    status, updated = (AGED_OUT if kind == AGED else WITHDRAWN), instant
            elif kind == _DECIDE:
                if status == AGED_OUT or status == WITHDRAWN:  # nobody decides on a closed application's claim
                    history.claim_status[a], history.claim_decided[a] = PENDING, None
                    history.claim_valid_until[a] = history.claim_reason[a] = None
                elif history.claim_status[a] == CLAIM_VERIFIED and tier != category_tier:
                    events.append(pack(instant, a, VERIFIED, status))
                    tier, updated = category_tier, instant
            elif kind == EXPIRED and history.claim_status[a] == CLAIM_VERIFIED and tier != ORDINARY:
                events.append(pack(instant, a, EXPIRED, status))
                tier, updated = ORDINARY, instant
        history.status[a], history.tier[a] = status, tier
        history.interest_year[a], history.updated[a] = interest_year, updated

    def _age_out_moment(self, birth: int) -> int:
        """1 September of the year the child is six on that day (applications.reached_max_age)."""
        found = self.age_out.get(birth)
        if found is None:
            born = date.fromordinal(birth)
            year = born.year + 6 if (born.month, born.day) <= (9, 1) else born.year + 7
            found = self.age_out[birth] = self.calendar.sweep_moment(date(year, 9, 1))
        return found

    def _claim_steps(self, population, history: History, a: int, submitted: int, mode: int) -> list:
        """Decide the claim now; its effects happen at their moments in ``_live``."""
        category = population.claim[a]
        if category < 0:
            return []
        rng, horizon = self.rng, self.horizon
        history.claim_status[a] = PENDING
        decided = submitted + DAY + int(rng.random() * 14 * DAY)
        if mode == 1:  # the demo parent's first child: verified, valid well past "now"
            valid_until = date(self.world.year + 1, 12, 31).toordinal()
        elif decided > horizon or rng.random() < (0.7 if submitted > horizon - 60 * DAY else 0.05):
            return []  # still waiting for the department
        elif rng.random() < REJECT_SHARE:
            history.claim_status[a], history.claim_decided[a] = REJECTED, decided
            history.claim_reason[a] = rng.choice(names.REJECTION_REASONS)
            return [(decided, _DECIDE, 0, 0)]
        else:
            years = names.PRIVILEGES[category][6]
            valid_until = None
            if years is not None:
                start = self.calendar.local_date(decided)
                valid_until = (start + timedelta(days=rng.randint(60, 365 * years))).toordinal()
        history.claim_status[a], history.claim_decided[a] = CLAIM_VERIFIED, decided
        history.claim_valid_until[a] = valid_until
        steps = [(decided, _DECIDE, 0, 0)]
        if valid_until is not None:
            lapse = self.calendar.sweep_moment(date.fromordinal(valid_until + 1))
            if lapse <= horizon:
                steps.append((lapse, EXPIRED, 0, 0))
        return steps

