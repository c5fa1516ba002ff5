"""Delivering outbox rows: in-cabinet inbox, SMS gateway, email. Idempotent: a sent row stays sent."""
import logging

from ..models import Notification

log = logging.getLogger(__name__)


def deliver(session, notification_id: int, now) -> str:
    row = session.get(Notification, notification_id)
    if row is None or row.status == "sent":
        return "skipped"
    row.attempts += 1
    if row.channel in ("inbox", "sms", "email"):
        # Development delivery: the console backend prints; real gateways come with the worker.
        log.info("notification %s via %s to %s: %s", row.id, row.channel, row.recipient, row.body)
    row.status, row.sent_at = "sent", now
    return "sent"
