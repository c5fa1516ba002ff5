"""The figures on the home page: how many kindergartens, free places, open bulletins and waiting
children the district has. Four aggregate queries; they read whole tables' counts, not rows."""
from sqlalchemy import func, select

from ..models import Application, Bulletin, Group, Kindergarten


def totals(session) -> dict:
    free_places = session.scalar(select(func.coalesce(func.sum(Group.capacity - Group.enrolled), 0)))
    return {
        "kindergartens": session.scalar(select(func.count(Kindergarten.id))),
        "free_places": int(free_places or 0),
        "open_bulletins": session.scalar(
            select(func.count(Bulletin.id)).where(Bulletin.status == "published")),
        "waiting": session.scalar(select(func.count(Application.id)).where(Application.waiting.is_(True))),
    }
