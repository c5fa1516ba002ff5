"""Email: one outbox row becomes a plain-text + HTML letter in the recipient's language.

Templates live in ``templates/emails/<language>/``. Replies go to the education department of the
application's district (``District.email``), not to a machine. The Message-ID is derived from the
outbox idempotency key, so a letter re-sent after a worker died is recognisably the same letter.
Without ``SMTP_HOST`` (development) letters are logged and kept in the outbox, not sent.
"""
import logging
import re
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr

from flask import render_template

log = logging.getLogger(__name__)
LANGUAGES = ("kk", "ru", "en")


class SendFailed(Exception):
    """The SMTP server did not take the letter; the outbox will try again later."""


@dataclass(frozen=True)
class Letter:
    subject: str
    text: str
    html: str
    message: EmailMessage


def compose(row, *, number: str | None, district_name: str, reply_to: str | None, mail_from: str,
            now) -> Letter:
    """The letter for outbox ``row`` (its body is already in the recipient's language)."""
    language = row.language if row.language in LANGUAGES else "ru"
    context = {"language": language, "body": row.body, "number": number, "district": district_name,
               "reply_to": reply_to}
    text = render_template(f"emails/{language}/notification.txt", **context)
    html = render_template(f"emails/{language}/notification.html", **context)
    subject = row.subject or row.body
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = formataddr(("Kezek", parseaddr(mail_from)[1]))
    message["To"] = row.recipient
    if reply_to:
        message["Reply-To"] = reply_to
    message["Date"] = format_datetime(now)
    message["Message-ID"] = _message_id(row.idempotency_key, mail_from)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies, please
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    message["Content-Language"] = language  # after the body: setting content drops Content-* headers
    return Letter(subject, text, html, message)


def send(message: EmailMessage, config) -> None:
    host = config.get("SMTP_HOST")
    if not host:
        log.info("SMTP_HOST not set, email kept in the outbox only: %s to %s", message["Subject"], message["To"])
        return
    port, timeout = int(config.get("SMTP_PORT", 25)), float(config.get("SMTP_TIMEOUT", 10))
    try:
        with smtplib.SMTP(host, port, timeout=timeout) as smtp:
            if config.get("SMTP_STARTTLS"):
                smtp.starttls()
            if config.get("SMTP_USER"):
                smtp.login(config["SMTP_USER"], config.get("SMTP_PASSWORD") or "")
            smtp.send_message(message)
    except (smtplib.SMTPException, OSError) as error:  # refused, timed out, rejected
        raise SendFailed(f"SMTP: {error}") from None


def _message_id(key: str, mail_from: str) -> str:
    domain = parseaddr(mail_from)[1].rpartition("@")[2] or "kezek.local"
    return f"<{re.sub(r'[^A-Za-z0-9.-]', '.', key)}@{domain}>"
