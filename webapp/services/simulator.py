"""The policy simulator's replay: the district's history run again, in memory, under another rule.

Events are taken in time order. Whatever does not depend on the priority rule happens when it
happened: children arrive (submit), kindergartens publish, close or cut bulletins, privileges change
a tier, parents withdraw, children leave for school or lose their place for a missed yearly
confirmation. Before the window the invitations are those that really happened (that rebuilds the
queue and the seats as they stood when the window opened); from its start, after every moment at
which something happened in a segment, serial dictatorship (DESIGN §6) runs over the segment's
waiting applications in the order of DESIGN §4 with the simulated ratio k — the very functions the
engine uses (``queue._merged``, ``distribution._choose``).

How children answer (the behavioural model, shown to the department in plain words):
  - the n-th invitation a child gets in the replay is answered as the child answered its n-th real
    invitation: responded and enrolled, declined, let the deadline pass, or was turned down by the
    kindergarten — each step the same time after the invitation as in reality, and the stop-list
    just as long;
  - a child never invited in reality (or invited more often in the replay) takes the place, and is
    counted as placed on the day of that invitation;
  - a child whose real invitation is still unanswered at the end of the window keeps the seat and
    is not counted as placed.
A child is *placed* when enrolled; the wait is from submission to the invitation that led to it.
"""
import heapq
from bisect import bisect_left, insort
from datetime import datetime, timedelta, timezone

from .distribution import _choose
from .queue import _merged
from .simulator_history import History
from .simulator_outcome import TIERS, Outcome, _placement, actual, compare  # noqa: F401 - the simulator's face

WAITING = frozenset({"queued", "invited", "stop_listed"})
CLOSED = frozenset({"enrolled", "withdrawn", "aged_out"})

# Steps of an invitation's course and what each does to the seat.
RELEASING = frozenset({"invitation.declined", "invitation.expired", "response.rejected", "referral.declined",
                       "referral.expired", "referral.no_show"})
COURSE = RELEASING | {"invitation.responded", "response.activated", "application.enrolled", "stop_list.ended"}


def real_courses(arrival) -> list[tuple]:
    """Each real invitation with the course that followed it, as steps relative to the invitation:
    [(invited_at, bulletin_id, [(delay, seq, event), ...]), ...]."""
    courses = []
    for event in arrival.events:
        if event.action == "invitation.created":
            courses.append((event.at, event.data.get("bulletin_id"), []))
        elif event.action in COURSE and courses:
            courses[-1][2].append((event.at - courses[-1][0], event.seq, event))
    return courses


# --- the replay -----------------------------------------------------------------------------------

class Replay:
    """The replay's state: statuses, tiers, seats and bulletins; a heap of what happens next."""

    def __init__(self, history: History, k: int, progress=None):
        self.history, self.k, self.progress = history, k, progress
        self.outcome = Outcome()
        self.apps = history.applications
        self.status, self.tier, self.seat, self.course, self.invited_at = {}, {}, {}, {}, {}
        self.leaving = []  # placed during a distribution run: out of the lines once the walk ends
        self.invited = {number: 0 for number in self.apps}
        self.courses = {number: real_courses(arrival) for number, arrival in self.apps.items()}
        self.lines = {}  # segment -> {tier: sorted [(key, number)]}
        self.places, self.claimed, self.open = {}, {}, {}
        self.segment_bulletins = {}  # segment -> [bulletin ids in publication order]
        self.settled = set()  # segments whose last run left free seats that nobody waiting wanted
        # What happens, in order: (µs since the epoch, seq, counter, kind, payload, moment). The
        # history is known at the start and sorted once; only the steps that invitations set off
        # in the replay go through a heap. Integer keys: the comparisons are most of the work.
        self.timeline, self.position, self.heap, self.counter = [], 0, [], 0

    # scheduling
    def push(self, at, seq, kind, payload, known=False) -> None:
        self.counter += 1
        entry = (_micros(at), seq, self.counter, kind, payload, at)
        if known:
            self.timeline.append(entry)
        else:
            heapq.heappush(self.heap, entry)

    def _peek(self):
        pending = self.timeline[self.position] if self.position < len(self.timeline) else None
        if self.heap and (pending is None or self.heap[0] < pending):
            return self.heap[0]
        return pending

    def _pop(self):
        pending = self.timeline[self.position] if self.position < len(self.timeline) else None
        if self.heap and (pending is None or self.heap[0] < pending):
            return heapq.heappop(self.heap)
        self.position += 1
        return pending

    def load(self) -> None:
        for number, arrival in self.apps.items():
            seq = next((e.seq for e in arrival.events if e.action == "application.submitted"), -1)
            self.push(arrival.submitted_at, seq, "arrive", number, known=True)
            for event in arrival.events:
                if event.action == "invitation.created" and event.at < self.history.start:
                    self.push(event.at, event.seq, "real_invite", (number, event.data.get("bulletin_id")), known=True)
                elif event.action not in COURSE and event.action not in ("invitation.created", "application.submitted"):
                    self.push(event.at, event.seq, "event", event, known=True)
        published = {e.data.get("bulletin_id") for e in self.history.bulletin_events if e.action == "bulletin.published"}
        for event in self.history.bulletin_events:
            self.push(event.at, event.seq, "bulletin", event, known=True)
        for row in sorted(self.history.bulletins.values(), key=lambda row: (row.published_at, row.id)):
            self.places[row.id], self.open[row.id] = row.places, False
            self.claimed[row.id] = self.history.filled_before.get(row.id, 0)
            self.segment_bulletins.setdefault(row.segment, []).append(row.id)  # oldest first, as the engine
            if row.id not in published:  # published before the audit chain knew of it (an older register)
                self.push(row.published_at, -1, "bulletin", _publication(row), known=True)

    def run(self) -> Outcome:
        self.load()
        self.timeline.sort()
        total, reported = len(self.timeline) or 1, -1
        dirty = set()
        while (entry := self._pop()) is not None:
            micros, seq, _, kind, payload, at = entry
            touched = getattr(self, "_" + kind)(at, seq, payload)
            if touched is not None:
                dirty.add(touched)
            # One batch is one transaction of the engine: the same action at the same instant (a sweep
            # ends many stop-lists with one "now" and commits each step). Distribution runs after it,
            # as the engine's jobs run after the commit.
            following = self._peek() if dirty else None
            if dirty and (following is None or following[0] != micros or _action(following) != _action(entry)):
                if at >= self.history.start:
                    for segment in sorted(dirty, key=str):
                        self.distribute(segment, at)
                dirty.clear()
            # Progress: how far through the known history (every 5 %).
            if self.progress and self.position * 20 // total > reported:
                reported = self.position * 20 // total
                self.progress(self.position / total)
        return self.outcome

    # what happens
    def _arrive(self, at, seq, number):
        arrival = self.apps[number]
        self.status[number], self.tier[number] = arrival.status, arrival.tier
        lines = self.lines.setdefault(arrival.segment, {tier: [] for tier in TIERS})
        if arrival.status not in CLOSED:
            insort(lines[arrival.tier], (arrival.key, number))
        return self._queued(arrival.segment, number) if arrival.status == "queued" else None

    def _real_invite(self, at, seq, payload):
        number, bulletin_id = payload
        if self.status.get(number) == "queued" and bulletin_id in self.places:
            self.invite(number, bulletin_id, at)

    def _event(self, at, seq, event):
        """Rule-independent changes of one application, when they happened."""
        number, status = event.number, self.status.get(event.number)
        if status is None or status in CLOSED:
            return None
        arrival = self.apps[number]
        if event.action == "application.tier_changed":
            self._move_tier(number, event.data.get("to_tier", self.tier[number]))
        elif event.action == "application.withdrawn":
            self._release(number)
            self._set(number, "withdrawn")
            return arrival.segment
        elif event.action == "application.aged_out" and status not in ("responded", "referred"):
            self._release(number)
            self._set(number, "aged_out")
            return arrival.segment
        elif event.action == "application.deactivated" and status in ("queued", "stop_listed"):
            self._set(number, "inactive")
        elif event.action == "interest.confirmed" and status == "inactive" and event.to_status == "queued":
            self._set(number, "queued")
            return self._queued(arrival.segment, number)
        return None

    def _step(self, at, seq, payload):
        """One step of an invitation's course, replayed as the child (or kindergarten) took it."""
        number, course_index, event = payload
        if self.course.get(number) != course_index or self.status.get(number) != event.from_status:
            return None  # overtaken in the replay (withdrawn, left for school): the step never comes
        segment, freed = self.apps[number].segment, False
        if event.action == "invitation.responded":
            freed = self._respond(number, event.data.get("bulletin_id"))
        elif event.action in RELEASING:
            freed = self._release(number)
        elif event.action == "application.enrolled":
            self._place(number, at)
        self._set(number, event.to_status)
        if freed:
            return segment
        if event.action == "stop_list.ended" and event.to_status == "queued":
            return self._queued(segment, number)
        return None

    def _bulletin(self, at, seq, event):
        bulletin_id = event.data["bulletin_id"]
        if event.action == "bulletin.published":
            self.places[bulletin_id] = event.data.get("places", self.places[bulletin_id])
            self.open[bulletin_id] = True
        elif event.action == "bulletin.places_withdrawn":
            self.places[bulletin_id] = event.data.get("places", self.places[bulletin_id])
            self.open[bulletin_id] = event.data.get("status", "published") == "published"
        else:
            self.open[bulletin_id] = False
        segment = self.history.bulletins[bulletin_id].segment
        self.settled.discard(segment)
        return segment

    # the seats
    def invite(self, number, bulletin_id, at) -> None:
        self.claimed[bulletin_id] += 1
        self.seat[number] = bulletin_id
        self._set(number, "invited")
        index = self.invited[number]
        self.invited[number] += 1
        self.course[number] = index
        if at >= self.history.start:
            self.outcome.invitations += 1
        courses = self.courses[number]
        self.invited_at[number] = at
        if index >= len(courses):  # never invited this often in reality: assumed to take the place
            self.status[number] = "enrolled"
            self.leaving.append(number)
            self._place(number, at)
            return
        _, _, steps = courses[index]
        for delay, seq, event in steps:
            self.push(at + delay, seq, "step", (number, index, event))

    def _respond(self, number, target) -> bool:
        """A parent who moved to another bulletin of the segment does so again if it has a free seat;
        True when a seat was given back."""
        current = self.seat.get(number)
        if target is None or target == current or not self.open.get(target) or self._free(target) < 1:
            return False
        self.claimed[current] -= 1
        self.claimed[target] += 1
        self.seat[number] = target
        self.settled.discard(self.apps[number].segment)
        return True

    def _release(self, number) -> bool:
        bulletin_id = self.seat.pop(number, None)
        if bulletin_id is None:
            return False
        self.claimed[bulletin_id] -= 1
        self.settled.discard(self.apps[number].segment)
        return True

    def _place(self, number, at) -> None:
        if self.history.start <= at <= self.history.end:
            self.outcome.placements[number] = _placement(self.apps[number], self.seat.get(number),
                                                         self.invited_at[number], at)

    def _free(self, bulletin_id) -> int:
        return self.places[bulletin_id] - self.claimed[bulletin_id]

    # statuses and the queue's lines
    def _set(self, number, status) -> None:
        before = self.status[number]
        self.status[number] = status
        if status in CLOSED and before not in CLOSED:
            self._leave_line(number)

    def _leave_line(self, number) -> None:
        """Closed applications leave the lines, or every walk would step over the placed."""
        line = self.lines[self.apps[number].segment][self.tier[number]]
        entry = (self.apps[number].key, number)
        index = bisect_left(line, entry)
        if index < len(line) and line[index] == entry:
            del line[index]

    def _move_tier(self, number, tier) -> None:
        lines, entry = self.lines[self.apps[number].segment], (self.apps[number].key, number)
        old = lines[self.tier[number]]
        index = bisect_left(old, entry)
        if index < len(old) and old[index] == entry:
            del old[index]
            insort(lines[tier], entry)
        self.tier[number] = tier

    def _queued(self, segment, number):
        """An application (back) in the queue: in a settled segment only it can take a free seat
        (everyone else waiting already passed them over), so it is offered one at once."""
        if segment in self.settled:
            free = self._free_seats(segment)
            chosen = _choose(free, self.apps[number].preferences) if free else None
            if chosen is not None:
                self.settled.discard(segment)
                return segment
            return None
        return segment

    # distribution (DESIGN §6)
    def _free_seats(self, segment) -> dict:
        return {bid: (self.history.bulletins[bid].kindergarten_id, self._free(bid))
                for bid in self.segment_bulletins.get(segment, ()) if self.open[bid] and self._free(bid) > 0}

    def distribute(self, segment, at) -> None:
        lines = self.lines.get(segment)
        free = self._free_seats(segment) if lines is not None and segment not in self.settled else None
        if not free:
            return
        try:
            self._walk(segment, lines, free, at)
        finally:
            for number in self.leaving:
                self._leave_line(number)
            self.leaving.clear()

    def _walk(self, segment, lines, free, at) -> None:
        streams = [(number for _, number in lines[tier] if self.status[number] in WAITING) for tier in TIERS]
        for number in _merged(*streams, self.k):
            if self.status[number] != "queued":
                continue
            bulletin_id = _choose(free, self.apps[number].preferences)
            if bulletin_id is None:
                continue
            free[bulletin_id] = (free[bulletin_id][0], free[bulletin_id][1] - 1)
            self.invite(number, bulletin_id, at)
            if not any(count for _, count in free.values()):
                return
        self.settled.add(segment)


EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
MICROSECOND = timedelta(microseconds=1)


def _micros(moment: datetime) -> int:
    return (moment - EPOCH) // MICROSECOND


def _action(entry) -> str:
    kind, payload = entry[3], entry[4]
    if kind in ("event", "bulletin"):
        return payload.action
    if kind == "step":
        return payload[2].action
    return kind


def _publication(row):
    from .simulator_history import Event

    return Event(row.published_at, -1, "bulletin.published", None, None, None,
                 {"bulletin_id": row.id, "places": row.places})


def replay(history: History, k: int, progress=None) -> Outcome:
    """The history under ratio ``k`` (0: strict tiers, every priority before every ordinary)."""
    return Replay(history, k, progress).run()
