"""Row tuples for the bulk writer, built from the population and its history.

Values are what both databases accept on input: naive-UTC text for instants, ISO dates, 1/0 for
booleans. The audit rows are hashed here, in order, exactly as ``services.audit`` hashes them (a
fast formatting path, checked against ``audit.chain_hash`` every 50,000 events), so the chain
written in bulk verifies like one written event by event.
"""
import hashlib
import json
import os
from dataclasses import dataclass
from datetime import date

from ..models import AuditEvent
from ..services import audit
from ..services.actors import SYSTEM, Actor
from . import lifecycle, names
from .lifecycle import STATUSES, TIERS
from .timeline import SECOND, audit_text, db_text

USER_COLUMNS = ("id", "phone", "email", "password_hash", "role", "district_id", "full_name", "iin", "language",
                "phone_verified", "email_verified", "active", "created_at")
CHILD_COLUMNS = ("id", "parent_id", "iin", "surname", "name", "patronymic", "birth_date", "sex", "created_at")
APPLICATION_COLUMNS = ("id", "number", "child_id", "district_id", "locality_id", "language", "birth_year", "tier",
                       "status", "waiting", "submitted_at", "interest_year", "stop_listed_until", "created_at",
                       "updated_at")
PREFERENCE_COLUMNS = ("id", "application_id", "kindergarten_id", "rank")
CLAIM_COLUMNS = ("id", "application_id", "category_id", "document_path", "status", "verified_by_id", "verified_at",
                 "valid_until", "reason", "created_at")
AUDIT_COLUMNS = ("seq", "at", "action", "application", "from_status", "to_status", "actor_role", "reason", "data",
                 "private_digest", "prev_hash", "hash", "private_salt")
CHECKPOINT_COLUMNS = ("day", "seq", "hash", "at")
CLAIM_STATUSES = (None, "pending", "verified", "rejected")


@dataclass
class Ids:
    """First id of each bulk table: the demo may join a database that already has rows."""

    user: int
    child: int
    application: int
    preference: int
    claim: int


class Numbers:
    """Application numbers, issued per local year in submission order (as applications.submit does)."""

    def __init__(self, code: str, population, calendar):
        self.text: list[str] = []
        self.last: dict[int, int] = {}  # year → last serial issued
        year_end, year = 0, None
        for submitted in population.submitted:  # sorted, so the year only ever moves forward
            if submitted >= year_end:
                year = calendar.year_of(submitted)
                year_end = calendar.midnight(date(year + 1, 1, 1))
            serial = self.last.get(year, 0) + 1
            self.last[year] = serial
            self.text.append(f"{code}-{year}-{serial:06d}")

    def __getitem__(self, index: int) -> str:
        return self.text[index]


def users(population, world, ids: Ids):
    for u, phone in enumerate(population.user_phone):
        created = population.user_first[u] - (30 + u % 30) * 60 * SECOND
        yield (ids.user + u, phone, population.user_email[u], world.parent_hash, "parent", None,
               population.user_name[u], population.user_iin[u], population.user_language[u], 1,
               0, 1, db_text(created))


class Parents:
    """What the audit needs of the parents once their rows are written: each one's private details
    as canonical JSON (what audit.private_digest covers, salted per event by ``Chain``), and id and
    name for the few events whose digest covers more (a submission with a privilege claim)."""

    def __init__(self, population, ids: Ids):
        self.names = population.user_name
        self.ids = range(ids.user, ids.user + len(self.names))
        self.digests = [_details(Actor("parent", self.ids[u], name=name))
                        for u, name in enumerate(self.names)]


def children(population, ids: Ids):
    for a, submitted in enumerate(population.submitted):
        yield (ids.child + a, ids.user + population.parent[a], population.iin[a], population.surname[a],
               population.name[a], population.patronymic[a], date.fromordinal(population.birth[a]).isoformat(),
               population.sex[a], db_text(submitted - (2 + a % 20) * 60 * SECOND))


def applications(population, history, world, ids: Ids, numbers: Numbers):
    for a, submitted in enumerate(population.submitted):
        status = STATUSES[history.status[a]]
        submitted_text = db_text(submitted)
        yield (ids.application + a, numbers[a], ids.child + a, world.district_id,
               world.localities[population.locality[a]], population.language[a],
               date.fromordinal(population.birth[a]).year, TIERS[history.tier[a]], status,
               1 if status == "queued" else 0, submitted_text, history.interest_year[a], None, submitted_text,
               db_text(history.updated[a]))


def preferences(population, ids: Ids):
    row_id = ids.preference
    for a, chosen in enumerate(population.preferences):
        for rank, kindergarten_id in enumerate(chosen, start=1):
            yield (row_id, ids.application + a, kindergarten_id, rank)
            row_id += 1


def claims(population, history, world, ids: Ids):
    row_id = ids.claim
    for a, category in enumerate(population.claim):
        if category < 0:
            continue
        status = history.claim_status[a]
        decided = history.claim_decided[a]
        valid_until = history.claim_valid_until[a]
        yield (row_id, ids.application + a, world.categories[names.PRIVILEGES[category][0]][0], None,
               CLAIM_STATUSES[status], world.department_id if decided is not None else None,
               db_text(decided) if decided is not None else None,
               date.fromordinal(valid_until).isoformat() if valid_until is not None else None,
               history.claim_reason[a] or "", db_text(population.submitted[a]))
        row_id += 1


# The public record of DESIGN §8 in canonical JSON (sorted keys, no spaces), for the demo's own
# vocabulary, which holds no character JSON would escape. ``Chain`` checks this against
# ``audit.canonical_json`` / ``audit.chain_hash`` on a sample of records, so it cannot drift unseen.
RECORD = ('{"action":"%s","actor_role":"%s","application":"%s","at":"%s","data":%s,"from":%s,'
          '"prev_hash":"%s","private_digest":"%s","reason":"%s","seq":%d,"to":%s}')
QUOTED = {None: "null", **{s: f'"{s}"' for s in STATUSES}}
CHECK_EVERY = 50_000


class Chain:
    """Appends the bulk history to the audit chain: seq, prev_hash and hash exactly as audit.build_row."""

    def __init__(self, head_seq: int, head_hash: str, world, population, parents, numbers: Numbers, calendar):
        self.seq, self.prev = head_seq, head_hash
        self.world, self.population, self.numbers, self.calendar = world, population, numbers, calendar
        self.parent_digests, self.parent_ids, self.parent_names = parents.digests, parents.ids, parents.names
        self.system = ("system", _details(SYSTEM))
        department = Actor("department", world.department_id, world.district_id, None, world.department_name)
        self.verified_digests = {code: _details(department, {"category": code})
                                 for code, *_ in names.PRIVILEGES}
        self.checkpoints: list[tuple] = []
        self._day_end = None  # end (µs) of the local day of the last event

    def rows(self, events):
        """Audit rows for the packed events, in order (one tight loop: it runs millions of times)."""
        describe, numbers, sha256, salts = self._describe, self.numbers.text, hashlib.sha256, _salts()
        seq, prev, at, day_end = self.seq, self.prev, None, self._day_end
        for key in events:
            instant, a, kind, status = key >> 29, (key >> 7) & lifecycle.INDEX_MASK, (key >> 3) & 15, key & 7
            if day_end is None or instant >= day_end:
                day_end = self._roll_days(instant, (seq, prev, at))
            action, from_status, to_status, (role, details), reason, data = describe(instant, a, kind, STATUSES[status])
            salt = next(salts)
            digest = sha256((salt + details).encode("utf-8")).hexdigest()  # audit.salted_digest
            seq += 1
            at = audit_text(instant)
            canonical = RECORD % (action, role, numbers[a], at, data, QUOTED[from_status], prev, digest, reason,
                                  seq, QUOTED[to_status])
            row_hash = sha256((prev + canonical).encode("utf-8")).hexdigest()
            row = (seq, at, action, numbers[a], from_status, to_status, role, reason, data, digest, prev, row_hash,
                   salt)
            if seq % CHECK_EVERY == 1:
                _check(row, row_hash, details)
            prev = row_hash
            yield row
        self.seq, self.prev, self._day_end = seq, prev, day_end

    def _describe(self, instant, a, kind, status):
        """(action, from, to, (actor role, private details as canonical JSON), reason, canonical data) as the
        services record it."""
        population = self.population
        if kind == lifecycle.SUBMITTED:
            data = '{"preferences":[%s],"segment":[%d,"%s",%d]}' % (
                ",".join(map(str, population.preferences[a])), self.world.localities[population.locality[a]],
                population.language[a], date.fromordinal(population.birth[a]).year)
            category = population.claim[a]
            if category < 0:
                return "application.submitted", None, "queued", self._parent(a), "", data
            # A claim can reveal a disability: it enters the record only through the private digest.
            u = population.parent[a]
            actor = Actor("parent", self.parent_ids[u], name=self.parent_names[u])
            details = _details(actor, {"privileges": [names.PRIVILEGES[category][0]]})
            return "application.submitted", None, "queued", ("parent", details), "", data
        if kind == lifecycle.CONFIRMED:
            return ("interest.confirmed", status, "queued", self._parent(a), "",
                    '{"year":%d}' % self.calendar.year_of(instant))
        if kind == lifecycle.DEACTIVATED:
            return ("application.deactivated", status, "inactive", self.system, "",
                    '{"year":%d}' % self.calendar.year_of(instant))
        if kind == lifecycle.AGED:
            return "application.aged_out", status, "aged_out", self.system, "", "{}"
        if kind == lifecycle.WITHDRAWAL:
            return "application.withdrawn", status, "withdrawn", self._parent(a), "", "{}"
        code, tier = names.PRIVILEGES[population.claim[a]][:2]
        if kind == lifecycle.VERIFIED:
            return ("application.tier_changed", status, status, ("department", self.verified_digests[code]),
                    "privilege verified", '{"from_tier":"ordinary","to_tier":"%s"}' % tier)
        return ("application.tier_changed", status, status, self.system, "privilege expired",
                '{"from_tier":"%s","to_tier":"ordinary"}' % tier)

    def _parent(self, a: int) -> tuple[str, str]:
        return "parent", self.parent_digests[self.population.parent[a]]

    def _roll_days(self, instant: int, last: tuple) -> int:
        """Daily checkpoints of the chain head, as the nightly sweep records them (audit.checkpoint);
        returns the end of the local day of ``instant``."""
        if self._day_end is not None:
            seq, digest, at = last
            while instant >= self._day_end:
                self.checkpoints.append((self._day.isoformat(), seq, digest, at))
                self._day = date.fromordinal(self._day.toordinal() + 1)
                self._day_end = self.calendar.midnight(date.fromordinal(self._day.toordinal() + 1))
            return self._day_end
        self._day = self.calendar.local_date(instant)
        self._day_end = self.calendar.midnight(date.fromordinal(self._day.toordinal() + 1))
        return self._day_end


def _check(row: tuple, digest: str, details: str) -> None:
    """The fast path above must hash exactly what the services would: compare on a sample."""
    event = AuditEvent(**dict(zip(AUDIT_COLUMNS, row)))
    public = audit.public_record(event)
    if audit.canonical_json(json.loads(row[8])) != row[8] or audit.chain_hash(row[10], public) != digest \
            or audit.salted_digest(event.private_salt, json.loads(details)) != event.private_digest:
        raise RuntimeError(f"demo audit record {row[0]} differs from services.audit: {public}")


def _details(actor: Actor, extra: dict | None = None) -> str:
    """The private details an event's digest covers, as the canonical JSON audit.salted_digest hashes."""
    return audit.canonical_json(audit.private_details(actor, extra))


def _salts(chunk: int = 4096):
    """Fresh secret salts (audit.SALT_BYTES each, hex), drawn from the OS a chunk at a time: one
    call per event would cost more than the event's hashing."""
    size = audit.SALT_BYTES
    while True:
        block = os.urandom(size * chunk).hex()
        yield from (block[i:i + 2 * size] for i in range(0, len(block), 2 * size))
