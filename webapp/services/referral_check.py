"""What a clerk sees after scanning the QR code of a referral: is it valid, and for whom and where.
Only masked data: the token proves the paper is genuine, not who holds it."""
import re

from ..models import Referral
from . import referrals
from .errors import NotFound

TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")  # secrets.token_urlsafe; ASCII only


def check(session, token: str, now) -> dict:
    if not TOKEN.fullmatch(token):
        raise NotFound()
    referral = referrals.find_by_token(session, token)
    if referral is None:
        raise NotFound()
    seat = referral.seat
    bulletin = seat.bulletin
    application = referral.application
    return {
        "number": referral.number,
        "state": _state(referral, now),
        "application": application.number,
        "child": application.child.masked_name,
        "kindergarten": bulletin.kindergarten,
        "group": bulletin.group.name,
        "birth_year": bulletin.birth_year,
        "language": bulletin.language,
        "issued_at": referral.issued_at,
        "due_at": referral.due_at,
        "extended": referral.extended,
    }


def _state(referral: Referral, now) -> str:
    """valid | used | expired | cancelled. A referral past its due moment is expired even before
    the sweep has marked it."""
    if referral.status == "issued":
        return "valid" if now <= referral.due_at else "expired"
    return referral.status
