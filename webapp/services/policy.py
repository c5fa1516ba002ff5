"""The numbers of the district's rules (DESIGN §6a): read by the engine, changed only by the
department, every change on the public record.

``of(district)`` is what every rule reads; nothing else in the system may hard-code these numbers.
A change applies from the moment it is saved: deadlines already set stay as the parent was told
(invitations, referrals, stop-lists), preferences already chosen stay, and the queue's order follows
the new priority ratio at once (positions are computed from the ratio on every read; nothing keeps
an old k). Since the order changes, each segment with places on offer is distributed again.
"""
import json
from dataclasses import asdict, dataclass, fields

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..models import AuditEvent, Bulletin, District
from . import audit, clock, locks, tasks
from .actors import require_department
from .errors import InvalidInput, NotFound

ACTION = "district.policy_changed"


@dataclass(frozen=True)
class Policy:
    priority_ratio: int = 3  # k of DESIGN §4: after each priority applicant, up to k ordinary ones
    respond_working_days: int = 3  # to respond to an invitation
    contract_working_days: int = 5  # to conclude the contract after the referral
    stop_list_working_days: int = 10  # on the stop-list after a missed deadline
    max_age: int = 6  # age on 1 September that ends waiting
    max_preferences: int = 4  # kindergartens a parent may prefer
    extension_days: int = 30  # calendar days from issue that a referral may be extended to


NAMES = tuple(f.name for f in fields(Policy))
DEFAULT = Policy()

# The allowed values, inclusive. Wide enough for every regional variant of the national rules, narrow
# enough that a typing mistake (a 0 for a deadline, a 60 for an age) is refused.
RANGES = {
    "priority_ratio": (0, 10),
    "respond_working_days": (1, 10),
    "contract_working_days": (1, 20),
    "stop_list_working_days": (1, 30),
    "max_age": (3, 7),
    "max_preferences": (1, 10),
    "extension_days": (1, 60),
}

LABELS = {
    "priority_ratio": _l("Priority ratio k"),
    "respond_working_days": _l("Working days to respond to an invitation"),
    "contract_working_days": _l("Working days to conclude the contract"),
    "stop_list_working_days": _l("Working days on the stop-list"),
    "max_age": _l("Maximum age on 1 September"),
    "max_preferences": _l("Most preferred kindergartens"),
    "extension_days": _l("Longest referral extension, calendar days from issue"),
}

EXPLANATIONS = {
    "priority_ratio": _l("After the children with the extraordinary right, the queue takes one child with the "
                         "priority right, then this many without a privilege, and so on. 0 puts every child with "
                         "the priority right first."),
    "respond_working_days": _l("An invited parent responds by the end of this working day after the invitation "
                               "day; otherwise the place goes to the next child."),
    "contract_working_days": _l("After the referral is issued, the contract is concluded by the end of this "
                                "working day."),
    "stop_list_working_days": _l("After a missed deadline or a refusal, the application is not invited for this "
                                 "many working days; then it returns with its original date."),
    "max_age": _l("A child who has reached this age on 1 September leaves the queue on that day and is never "
                  "invited after it."),
    "max_preferences": _l("A parent may name up to this many kindergartens, in order. Choices already made stay."),
    "extension_days": _l("Staff or the department may extend a referral once, with a reason, to at most this "
                         "many calendar days from its issue."),
}


def of(district) -> Policy:
    """The district's rules (the defaults for a district not yet saved)."""
    return Policy(**{name: _value(district, name) for name in NAMES})


def _value(district, name: str) -> int:
    value = getattr(district, name, None)
    return getattr(DEFAULT, name) if value is None else value


def check(values: dict) -> dict:
    """The values as integers, or InvalidInput naming the first one out of range."""
    checked = {}
    for name, value in values.items():
        if name not in RANGES:
            raise InvalidInput(_l("Unknown setting: %(name)s."), name=name)
        low, high = RANGES[name]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise InvalidInput(_l("%(label)s must be a whole number from %(low)d to %(high)d."),
                               label=LABELS[name], low=low, high=high)
        checked[name] = value
    return checked


def update(session, district_id: int, actor, now, reason: str = "", **values) -> dict:
    """Save new values; returns {name: [old, new]} of what changed (empty: nothing to record)."""
    district = session.get(District, district_id)
    if district is None:
        raise NotFound()
    require_department(actor, district_id)
    checked = check(values)
    locks.acquire(session, f"policy:{district_id}")  # two operators saving at once: one after the other
    session.refresh(district)
    current = of(district)
    proposed = Policy(**{**asdict(current), **checked})
    if proposed.extension_days < proposed.contract_working_days:
        raise InvalidInput(_l("The longest extension cannot be shorter than the days to conclude the contract."))
    changed = {name: [getattr(current, name), getattr(proposed, name)] for name in NAMES
               if getattr(current, name) != getattr(proposed, name)}
    if not changed:
        return {}
    for name, (_, new) in changed.items():
        setattr(district, name, new)
    audit.record(session, ACTION, actor=actor, at=now, reason=(reason or "").strip(),
                 data={"district_id": district.id, "district": district.code, "changed": changed})
    if {"priority_ratio", "max_age"} & changed.keys():
        _redistribute(session, district.id)
    return changed


def _redistribute(session, district_id: int) -> None:
    """A new order (or a child eligible again) may give a place on offer to someone else: every
    segment with unclaimed places is distributed again after the commit."""
    segments = session.execute(
        select(Bulletin.locality_id, Bulletin.language, Bulletin.birth_year).distinct()
        .where(Bulletin.district_id == district_id, Bulletin.status == "published",
               Bulletin.claimed < Bulletin.places)
        .order_by(Bulletin.locality_id, Bulletin.language, Bulletin.birth_year)
    ).all()
    for segment in segments:
        tasks.defer(session, "distribute_segment", *segment)


def ratio_changes(session, district_id: int) -> list[tuple]:
    """(when, old k, new k) of the district's changes of the priority ratio, oldest first: the
    queue's movement explains a position that moved because k did (services.movement)."""
    return [(clock.parse(event["at"]), *event["changed"]["priority_ratio"])
            for event in reversed(history(session, district_id, limit=None))
            if "priority_ratio" in event["changed"]]


def history(session, district_id: int, limit: int | None = 50) -> list[dict]:
    """The district's policy changes, newest first: seq, at, reason and {name: [old, new]}. Few
    events carry this action (an index on action and seq), so they are filtered here."""
    rows = session.scalars(select(AuditEvent).where(AuditEvent.action == ACTION).order_by(AuditEvent.seq.desc()))
    found = []
    for row in rows:
        data = json.loads(row.data)
        if data.get("district_id") == district_id:
            found.append({"seq": row.seq, "at": row.at, "reason": row.reason, "changed": data.get("changed", {})})
            if limit is not None and len(found) >= limit:
                break
    return found


def most_preferences(session) -> int:
    """The largest preference limit of any district: how many choices the application form offers
    (the form lists the kindergartens of every district; the service applies the district's own)."""
    found = session.scalar(select(District.max_preferences).order_by(District.max_preferences.desc()).limit(1))
    return found or DEFAULT.max_preferences
