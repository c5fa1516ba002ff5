"""The public registry and bulletin lists as the HTML pages show them: the registry's rows
(services.registry, shared with the JSON API) with the names a person reads instead of ids."""
from sqlalchemy import select

from ..models import Group, Kindergarten
from . import registry


def kindergartens(session, language: str, locality_id=None, teaching=None, birth_year=None,
                  page: int = 1, per_page: int = 20) -> tuple[int, list[dict]]:
    total, items = registry.kindergartens(session, language, locality_id, teaching, page, per_page,
                                          birth_year=birth_year)
    localities = locality_names(session, language)
    for item in items:
        item["locality"] = localities.get(item["locality_id"], "")
    return total, items


def bulletins(session, language: str, locality_id=None, teaching=None, birth_year=None,
              page: int = 1, per_page: int = 20) -> tuple[int, list[dict]]:
    total, items = registry.bulletins(session, locality_id, teaching, birth_year, page, per_page, only_open=True)
    localities = locality_names(session, language)
    kindergarten_ids = {item["kindergarten_id"] for item in items}
    group_ids = {item["group_id"] for item in items}
    kindergartens = {row.id: row.name_in(language) for row in session.scalars(
        select(Kindergarten).where(Kindergarten.id.in_(kindergarten_ids)))} if items else {}
    groups = dict(session.execute(select(Group.id, Group.name).where(Group.id.in_(group_ids))).all()) \
        if items else {}
    for item in items:
        item["kindergarten"] = kindergartens.get(item["kindergarten_id"], "")
        item["group"] = groups.get(item["group_id"], "")
        item["locality"] = localities.get(item["locality_id"], "")
    return total, items


def locality_names(session, language: str) -> dict[int, str]:
    return {row["id"]: row["name"] for row in registry.localities(session, language)}


def birth_years(session) -> list[int]:
    """The birth years that have groups, newest first: the choices of every birth-year filter."""
    return list(session.scalars(select(Group.birth_year).distinct().where(Group.active.is_(True))
                                .order_by(Group.birth_year.desc())))
