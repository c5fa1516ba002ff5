"""Who is acting, and what they may touch (DESIGN §1). Services check; routes only pass the actor."""
from dataclasses import dataclass

from .errors import Forbidden, NotFound


@dataclass(frozen=True)
class Actor:
    role: str  # parent | staff | department | admin | system | public
    user_id: int | None = None
    district_id: int | None = None
    kindergarten_id: int | None = None
    name: str = ""

    @classmethod
    def of(cls, user) -> "Actor":
        return cls(user.role, user.id, user.district_id, user.kindergarten_id, user.full_name)

    @property
    def private_details(self) -> dict:
        return {"user_id": self.user_id, "name": self.name}


SYSTEM = Actor("system", name="Kezek")


def require_parent_of(actor: Actor, application) -> None:
    """A parent sees only their own children; for anyone else the application does not exist."""
    if actor.role != "parent" or application.child.parent_id != actor.user_id:
        raise NotFound()


def require_kindergarten(actor: Actor, kindergarten) -> None:
    """Staff of this kindergarten, or the department of its district, or an admin."""
    if actor.role == "admin":
        return
    if actor.role == "staff" and actor.kindergarten_id == kindergarten.id:
        return
    if actor.role == "department" and actor.district_id == kindergarten.district_id:
        return
    raise Forbidden()


def require_department(actor: Actor, district_id: int) -> None:
    if actor.role == "admin" or (actor.role == "department" and actor.district_id == district_id):
        return
    raise Forbidden()


def require_system(actor: Actor) -> None:
    if actor.role != "system":
        raise Forbidden()
