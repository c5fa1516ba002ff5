"""System settings of the senders, edited by the administration: the SMS sender name and gateway
address, the mail From address and the Reply-To used when a district has no email of its own.

A stored value wins over the configuration; an emptied field removes the row, and the configuration
(the environment) applies again. Secrets never come here: API tokens and SMTP passwords stay in the
environment, and the page only says whether they are set. Delivery reads the values once per job
(``effective``), so a change applies to the next message sent.
"""
import re
import urllib.parse
from dataclasses import dataclass
from email.utils import parseaddr

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..models import Setting
from . import audit
from .errors import Forbidden, InvalidInput

SENDER = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,10}")  # an alphanumeric SMS sender id: 11 characters
SECRET_WORDS = ("token", "key", "secret", "password", "passwd", "pass", "auth", "sig")
EMAIL = re.compile(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+")


def _sender(value: str) -> str:
    if not SENDER.fullmatch(value):
        raise InvalidInput(_l("The sender name is up to 11 Latin letters or digits, such as KEZEK."))
    return value


def _url(value: str) -> str:
    parts = urllib.parse.urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput(_l("Enter the gateway's address, starting with https://."))
    if parts.username or parts.password or any(
            word in name.lower() for name, _ in urllib.parse.parse_qsl(parts.query) for word in SECRET_WORDS):
        raise InvalidInput(_l("The address must not contain a password or a token: those stay in the "
                              "server's environment."))
    return value


def _mailbox(value: str) -> str:
    """``kezek@example.kz`` or ``Kezek <kezek@example.kz>``."""
    name, address = parseaddr(value)
    if not EMAIL.fullmatch(address or "") or len(value) > 200 or "\n" in value or "\r" in value:
        raise InvalidInput(_l("Enter an email address such as name@example.kz."))
    return value


@dataclass(frozen=True)
class Editable:
    key: str  # the configuration name the value overrides
    label: object
    hint: object
    check: object  # value -> normalised value, or InvalidInput


EDITABLE = (
    Editable("SMS_HTTP_SENDER", _l("SMS sender name"),
             _l("The registered alphanumeric name the SMS come from."), _sender),
    Editable("SMS_HTTP_URL", _l("SMS gateway address"),
             _l("Where the http gateway posts each message. The API token stays in the environment."), _url),
    Editable("MAIL_FROM", _l("Mail From address"),
             _l("The sender of every letter, such as Kezek <kezek@example.kz>."), _mailbox),
    Editable("MAIL_REPLY_TO", _l("Reply-To when the district has no email"),
             _l("Letters of a district with an email are answered by its department."), _mailbox),
)
KEYS = tuple(item.key for item in EDITABLE)
# Shown only as "set" or "not set".
SECRETS = (("SMS_HTTP_TOKEN", _l("SMS gateway API token")), ("SMTP_PASSWORD", _l("SMTP password")))


@dataclass(frozen=True)
class Entry:
    item: Editable
    stored: str | None  # the administration's value, if any
    default: str | None  # the configuration's

    @property
    def value(self) -> str | None:
        return self.stored if self.stored is not None else self.default


def stored(session) -> dict[str, str]:
    """The stored values, read on a connection of their own: delivery calls this in the middle of a
    job, and must not leave a read transaction open in the job's session."""
    with session.get_bind().connect() as connection:
        return dict(connection.execute(select(Setting.key, Setting.value).where(Setting.key.in_(KEYS))).all())


def effective(session, config) -> dict:
    """The configuration with the stored values laid over it: what the senders use."""
    return {**config, **stored(session)}


def entries(session, actor, config) -> list[Entry]:
    _require_admin(actor)
    values = {row.key: row.value for row in session.scalars(select(Setting).where(Setting.key.in_(KEYS)))}
    return [Entry(item, values.get(item.key), _text(config.get(item.key))) for item in EDITABLE]


def secrets_set(config) -> list[tuple[object, bool]]:
    return [(label, bool(config.get(key))) for key, label in SECRETS]


def update(session, actor, values: dict, now) -> list[str]:
    """Store the given values (an empty one removes the row); returns the keys that changed. Every
    value is checked before anything is written, so an invalid one changes nothing."""
    _require_admin(actor)
    wanted = {}
    for item in EDITABLE:
        if item.key in values:
            value = (values[item.key] or "").strip()
            try:
                wanted[item.key] = item.check(value) if value else None
            except InvalidInput as error:
                error.field = item.key  # the page shows the message beside this field
                raise
    rows = {row.key: row for row in session.scalars(select(Setting).where(Setting.key.in_(list(wanted))))}
    changed, before = [], {}
    for key, value in wanted.items():
        row = rows.get(key)
        if (row.value if row else None) == value:
            continue
        changed.append(key)
        before[key] = row.value if row else None
        if value is None:
            session.delete(row)
        elif row is None:
            session.add(Setting(key=key, value=value, updated_at=now))
        else:
            row.value, row.updated_at = value, now
    if changed:
        audit.record(session, "settings.changed", actor=actor, at=now, data={"keys": sorted(changed)},
                     private={"before": before, "after": {key: wanted[key] for key in changed}})
    return changed


def _text(value) -> str | None:
    return None if value in (None, "") else str(value)


def _require_admin(actor) -> None:
    if actor.role != "admin":
        raise Forbidden()
