"""The one source of "now". Tests, the demo and ``--now`` on the CLI move it; nothing else reads
the system time, so every deadline is reproducible."""
from datetime import datetime, timedelta, timezone

_pinned: datetime | None = None
_offset = timedelta(0)


def now() -> datetime:
    """Aware UTC."""
    if _pinned is not None:
        return _pinned
    return datetime.now(timezone.utc) + _offset


def set(moment: datetime | str | None) -> None:  # noqa: A001 - reads well as clock.set(...)
    """Pin the clock at ``moment`` (aware, or ISO text; naive means UTC). None unpins it."""
    global _pinned
    if isinstance(moment, str):
        moment = parse(moment)
    _pinned = moment


def advance(delta: timedelta) -> datetime:
    """Move time forward: a pinned clock moves, a running clock gains an offset."""
    global _pinned, _offset
    if _pinned is not None:
        _pinned += delta
    else:
        _offset += delta
    return now()


def reset() -> None:
    global _pinned, _offset
    _pinned, _offset = None, timedelta(0)


def parse(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def iso(moment: datetime) -> str:
    """The one textual form of a UTC instant used in audit records and the API."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
