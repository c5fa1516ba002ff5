"""Everything the public page of one kindergarten shows: the registry's card with its groups
(registry.kindergarten), plus contacts, equipment, programmes, its open bulletins and the queue of
each segment it teaches."""
from sqlalchemy import func, select

from ..models import Bulletin, Kindergarten, QueueCount
from . import registry


def profile(session, kindergarten_id: int, language: str) -> dict:
    card = registry.kindergarten(session, kindergarten_id, language)  # NotFound for an unknown id
    found = session.get(Kindergarten, kindergarten_id)
    card.update(
        locality=found.locality.name_in(language),
        phone=found.phone,
        working_hours=found.working_hours,
        ownership=found.ownership,
        closed=not found.active,  # deactivated by the department; old histories still link here
        equipment=_split(found.equipment, ","),
        programmes=_split(found.programmes, ";"),
        description=found.description_in(language),
        bulletins=_open_bulletins(session, found.id),
        queues=_queues(session, found, card["groups"]),
    )
    return card


def _split(text: str, separator: str) -> list[str]:
    return [part.strip() for part in (text or "").split(separator) if part.strip()]


def _open_bulletins(session, kindergarten_id: int) -> list[dict]:
    rows = session.scalars(
        select(Bulletin).where(Bulletin.kindergarten_id == kindergarten_id, Bulletin.status == "published")
        .order_by(Bulletin.published_at.desc())
    ).all()
    return [{"id": b.id, "group": b.group.name, "birth_year": b.birth_year, "language": b.language,
             "places": b.places, "free_places": b.free_places, "published_at": b.published_at}
            for b in rows]


def _queues(session, kindergarten: Kindergarten, groups: list[dict]) -> list[dict]:
    """Waiting children per segment this kindergarten has groups for (locality × language × year)."""
    segments = sorted({(g["language"], g["birth_year"]) for g in groups})
    if not segments:
        return []
    counted = dict(  # from the maintained counts, a few rows per segment (services.tally)
        ((language, year), int(n)) for language, year, n in session.execute(
            select(QueueCount.language, QueueCount.birth_year, func.sum(QueueCount.waiting))
            .where(QueueCount.locality_id == kindergarten.locality_id,
                   QueueCount.language.in_({language for language, _ in segments}),
                   QueueCount.birth_year.in_({year for _, year in segments}))
            .group_by(QueueCount.language, QueueCount.birth_year)
        )
    )
    return [{"locality_id": kindergarten.locality_id, "language": language, "birth_year": year,
             "waiting": counted.get((language, year), 0)} for language, year in segments]
