"""The figures on the home page: kindergartens, free places, open bulletins and waiting children.
From the registry's totals (small tables and the maintained queue counts) plus one count of the
published bulletins: nothing here grows with the queue."""
from sqlalchemy import func, select

from ..models import Bulletin
from . import registry


def totals(session) -> dict:
    figures = registry.totals(session)
    figures["open_bulletins"] = session.scalar(
        select(func.count(Bulletin.id)).where(Bulletin.status == "published"))
    return figures
