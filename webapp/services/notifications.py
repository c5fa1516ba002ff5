"""The notification outbox: one row per (event, channel), written inside the business transaction.

Rows are delivered by ``jobs.deliver_outbox`` after commit. The idempotency key makes a
second write of the same message for the same event a no-op, so a retried transition or job never
sends twice. Texts are rendered here, in the recipient's language, so the outbox shows exactly what
was sent.
"""
from contextlib import contextmanager

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from ..models import Notification
from . import clock, tasks

# One short text per event: fits one Cyrillic SMS segment (70 characters) where it can.
TEXTS = {
    "application.submitted": _l("Kezek: application %(number)s is in the queue."),
    "invitation.created": _l("Kezek: a place for %(number)s! Respond by %(due)s."),
    "invitation.responded": _l("Kezek: %(number)s response sent, wait for the kindergarten."),
    "invitation.expired": _l("Kezek: %(number)s missed the deadline, stop-list until %(until)s."),
    "invitation.declined": _l("Kezek: %(number)s declined, stop-list until %(until)s."),
    "response.rejected": _l("Kezek: %(number)s response rejected, back in the queue."),
    "referral.issued": _l("Kezek: referral for %(number)s. Sign the contract by %(due)s."),
    "referral.extended": _l("Kezek: referral for %(number)s extended to %(due)s."),
    "referral.expired": _l("Kezek: referral %(number)s expired, stop-list until %(until)s."),
    "referral.no_show": _l("Kezek: referral %(number)s cancelled, no contract; stop-list until %(until)s."),
    "referral.declined": _l("Kezek: referral %(number)s declined, stop-list until %(until)s."),
    "application.enrolled": _l("Kezek: %(number)s enrolled. Welcome!"),
    "stop_list.ended": _l("Kezek: %(number)s is back in the queue."),
    "application.deactivated": _l("Kezek: %(number)s inactive: interest not confirmed."),
    "interest.confirmed": _l("Kezek: interest in %(number)s confirmed for %(year)s."),
    "application.aged_out": _l("Kezek: %(number)s closed, the child has reached school age."),
    "application.withdrawn": _l("Kezek: application %(number)s withdrawn."),
    "privilege.verified": _l("Kezek: privilege of %(number)s verified."),
    "privilege.rejected": _l("Kezek: privilege of %(number)s rejected."),
    "reminder.interest": _l("Kezek: confirm interest in %(number)s before 1 October."),
    "reminder.invitation": _l("Kezek: respond for %(number)s by %(due)s."),
    "reminder.referral": _l("Kezek: sign the contract for %(number)s by %(due)s."),
    "child_dispute.kept.owner": _l("Kezek: the department kept the child on your account."),
    "child_dispute.kept.claimant": _l("Kezek: the department kept the child on the other account."),
    "child_dispute.moved.owner": _l("Kezek: the department moved the child to another account."),
    "child_dispute.moved.claimant": _l("Kezek: the department moved the child to your account."),
    "phone_code.confirm_phone": _l("Kezek: your code is %(code)s. Do not tell it to anyone."),
    "phone_code.reset_password": _l("Kezek: password reset code %(code)s. Do not tell it to anyone."),
    "phone_code.change_phone": _l("Kezek: code %(code)s to change your phone. Do not tell it to anyone."),
}


def render(event: str, language: str, params: dict) -> str:
    with force_locale(language):
        return str(TEXTS[event]) % params


def notify(session, user, event: str, params: dict, *, application=None, key: str | None = None,
           only: tuple | None = None, sms_to: str | None = None) -> list:
    """Queue the message on the inbox and every channel the user chose and can receive; returns what
    was new — the rows, or on PostgreSQL their ids (one INSERT … RETURNING writes them); empty when
    every row was there already. ``only`` names the channels to use whatever the choice (a one-time code: SMS only);
    ``sms_to`` sends the SMS to another number than the account's (the code for a new phone)."""
    key = key or f"{event}:{application.id if application else user.id}"
    body = render(event, user.language, params)
    channels = _channels(user, only, sms_to)
    keys = [f"{key}:{channel}" for channel, _ in channels]
    batch = session.info.get(_BATCH)
    if batch is not None:  # inside ``batched``: written together when the batch ends
        batch.append((user, application, channels, keys, event, body))
        return []
    if session.get_bind().dialect.name == "postgresql":
        return _insert_new(session, user, application, channels, keys, event, body)
    # One query for all channels' keys, and no flush of our own: this runs for every transition (25
    # times in one distribution run), and a query plus a flush per channel was most of its cost.
    # The new rows go to the database with the transaction's next flush; the query below flushes
    # first (autoflush), so a second notify for the same key in this transaction still sees them.
    written = set(session.scalars(
        select(Notification.idempotency_key).where(Notification.idempotency_key.in_(keys))
    ))
    return [
        _write(session, user, application, channel, recipient, event, body, row_key)
        for (channel, recipient), row_key in zip(channels, keys) if row_key not in written
    ]


def _channels(user, only: tuple | None, sms_to: str | None = None) -> list:
    """(channel, recipient) pairs in a fixed order: the inbox, then SMS and email where there is an
    address and the account has not switched the channel off (None: a row not flushed yet, on)."""
    reachable = [("inbox", "")] + [(channel, address) for channel, address in
                                   (("sms", sms_to or user.phone), ("email", user.email)) if address]
    if only is not None:
        return [(channel, address) for channel, address in reachable if channel in only]
    chosen = {"inbox": True, "sms": user.notify_sms is not False, "email": user.notify_email is not False}
    return [(channel, address) for channel, address in reachable if chosen[channel]]


_BATCH = "outbox_batch"


@contextmanager
def batched(session):
    """Within the block, ``notify`` collects its rows; at the end they are written at once: on
    PostgreSQL one INSERT … ON CONFLICT DO NOTHING for all of them, elsewhere one query for all
    their idempotency keys and one flush. The same rows as one ``notify`` at a time (set-based
    transitions of the sweep use it); ``notify`` returns [] inside the block."""
    session.info[_BATCH] = []
    try:
        yield
        collected = session.info[_BATCH]
    finally:
        session.info.pop(_BATCH, None)
    if not collected:
        return
    if session.get_bind().dialect.name == "postgresql":
        rows = [row for user, application, channels, keys, event, body in collected
                for row in _rows(user, application, channels, keys, event, body)]
        for start in range(0, len(rows), 1000):
            _insert_rows(session, rows[start:start + 1000])
        return
    all_keys = [key for *_, keys, _, _ in collected for key in keys]
    written = set()
    for start in range(0, len(all_keys), 500):
        written.update(session.scalars(select(Notification.idempotency_key).where(
            Notification.idempotency_key.in_(all_keys[start:start + 500]))))
    for user, application, channels, keys, event, body in collected:
        for (channel, recipient), row_key in zip(channels, keys):
            if row_key not in written:
                written.add(row_key)
                _write(session, user, application, channel, recipient, event, body, row_key)


def _insert_new(session, user, application, channels, keys, event, body) -> list[int]:
    """PostgreSQL: every channel's row in one INSERT … ON CONFLICT (idempotency_key) DO NOTHING —
    one round trip instead of a check and an insert. Returns the ids of the rows written."""
    return _insert_rows(session, _rows(user, application, channels, keys, event, body))


def _rows(user, application, channels, keys, event, body) -> list[dict]:
    created = clock.now()
    rows = []
    for (channel, recipient), row_key in zip(channels, keys):
        inbox = channel == "inbox"  # nothing to send: the cabinet shows it once the transaction commits
        rows.append({
            "user_id": user.id, "application_id": application.id if application else None, "channel": channel,
            "event": event, "language": user.language, "recipient": recipient, "subject": body[:300],
            "body": body, "body_html": "", "status": "sent" if inbox else "pending", "attempts": 0,
            "idempotency_key": row_key, "read": False, "created_at": created,
            "sent_at": created if inbox else None, "next_attempt_at": None, "last_error": "",
        })
    return rows


_OUTBOX = Notification.__table__
_INSERT_NEW = (  # on the table, not the entity: the ORM's bulk insert sorted the returned rows by
    # their parameters, quadratic in the rows of one batch (11 s for the sweep's 15,000)
    pg_insert(_OUTBOX).on_conflict_do_nothing(index_elements=["idempotency_key"])
    .returning(_OUTBOX.c.id, _OUTBOX.c.channel)
)


def _insert_rows(session, rows: list[dict]) -> list[int]:
    # The rows as parameters of one cached statement (SQLAlchemy sends them as one multi-row
    # INSERT); rows written into the statement itself were compiled anew every time.
    written = list(session.execute(_INSERT_NEW, rows))
    if any(channel != "inbox" for _, channel in written):
        tasks.defer(session, "deliver_outbox")  # once per transaction, however many rows
    return [row_id for row_id, _ in written]


def _write(session, user, application, channel, recipient, event, body, key):
    row = Notification(
        user_id=user.id, application_id=application.id if application else None, channel=channel,
        event=event, language=user.language, recipient=recipient, subject=body[:300], body=body,
        idempotency_key=key, created_at=clock.now(),
    )
    if channel == "inbox":  # nothing to send: the cabinet shows it once the transaction commits
        row.status, row.sent_at = "sent", row.created_at
    else:  # every row sets the same columns, so PostgreSQL gets all channels in one INSERT
        row.status, row.sent_at = "pending", None
    session.add(row)
    if channel != "inbox":
        tasks.defer(session, "deliver_outbox")  # once per transaction, however many rows
    return row
