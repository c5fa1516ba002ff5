"""What the parent's cabinet reads: their own children, applications, bulletins open to them, and
their inbox. Every loader is scoped to the parent; anything else "does not exist" (NotFound)."""
from dataclasses import dataclass, field

from sqlalchemy import func, select, update

from ..models import (FINAL, Application, AuditEvent, Bulletin, Child, Kindergarten, Locality, Notification,
                      PrivilegeCategory, PrivilegeClaim, Referral, Seat)
from . import application_status, calendar, movement, queue
from .errors import NotFound

RESPONSE_WORKING_DAYS_FOR_STAFF = 2  # DESIGN §5: flagged to the department after that


# --- loaders: the parent's own objects or 404 ---------------------------------------------------

def own_child(session, parent_id: int, child_id: int) -> Child:
    child = session.get(Child, child_id)
    if child is None or child.parent_id != parent_id:
        raise NotFound()
    return child


def own_application(session, parent_id: int, application_id: int) -> Application:
    application = session.get(Application, application_id)
    if application is None or application.child.parent_id != parent_id:
        raise NotFound()
    return application


def own_claim(session, parent_id: int, application_id: int, claim_id: int) -> PrivilegeClaim:
    application = own_application(session, parent_id, application_id)
    claim = session.get(PrivilegeClaim, claim_id)
    if claim is None or claim.application_id != application.id:
        raise NotFound()
    return claim


def own_referral(session, parent_id: int, application_id: int) -> Referral:
    """The application's current referral (issued or used), for the PDF."""
    application = own_application(session, parent_id, application_id)
    referral = session.scalar(select(Referral).where(
        Referral.application_id == application.id, Referral.status.in_(("issued", "used")))
        .order_by(Referral.id.desc()))
    if referral is None:
        raise NotFound()
    return referral


# --- overview ---------------------------------------------------------------------------------------

@dataclass
class ApplicationCard:
    application: Application
    position: int | None
    ahead: dict | None
    next_step: application_status.NextStep
    movement: list = field(default_factory=list)  # the last 12 months, as the public lookup shows them

    @property
    def since_last_month(self) -> int | None:
        """How the position changed since the start of last month (or of this month, if it was not
        waiting then); None when it is not waiting now."""
        current = self.movement[-1] if self.movement else None
        if current is None or not current.explained:
            return None
        start = next((m.position_start for m in self.movement[-2:] if m.explained), current.position_start)
        return current.position_end - start


def children_of(session, parent_id: int) -> list[Child]:
    return session.scalars(select(Child).where(Child.parent_id == parent_id).order_by(Child.id)).all()


def open_application_ids(session, parent_id: int) -> dict[int, int]:
    """child id → id of its open (not final) application."""
    rows = session.execute(
        select(Application.child_id, Application.id).join(Child, Child.id == Application.child_id)
        .where(Child.parent_id == parent_id, Application.status.not_in(FINAL)))
    return dict(rows.all())


def applications_of(session, parent_id: int, now) -> list[ApplicationCard]:
    applications = session.scalars(
        select(Application).join(Child, Child.id == Application.child_id)
        .where(Child.parent_id == parent_id).order_by(Application.submitted_at.desc())).all()
    return [card(session, application, now) for application in applications]


def card(session, application: Application, now) -> ApplicationCard:
    explanation = queue.explain(session, application)
    return ApplicationCard(application, explanation.position if explanation else None,
                           dict(explanation.ahead) if explanation else None,
                           application_status.next_step(session, application, now),
                           movement.of(session, application, now, explanation) if explanation else [])


# --- the wizard -------------------------------------------------------------------------------------

WIZARD_STEPS = ("invited", "responded", "referred", "enrolled")


def wizard(session, application: Application, now) -> dict:
    """The four steps of placement: which one the application is at, and what each needs."""
    seat = session.scalar(select(Seat).where(Seat.application_id == application.id)
                          .order_by(Seat.id.desc()))
    live = seat if seat is not None and seat.state != "released" else None
    referral = live.referral if live is not None else None
    step = application.status if application.status in WIZARD_STEPS else None
    return {
        "step": step,
        "step_number": WIZARD_STEPS.index(step) + 1 if step else 0,
        "seat": live,
        "bulletin": live.bulletin if live is not None else None,
        "referral": referral,
        "others": open_bulletins(session, application, exclude=live.bulletin_id if live else None)
        if application.status == "invited" else [],
        "staff_due": _staff_due(session, application, live) if application.status == "responded" else None,
        "last_seat": seat,
    }


def open_bulletins(session, application: Application, exclude: int | None = None) -> list[Bulletin]:
    """Published bulletins of the application's segment that still have a free place."""
    query = (select(Bulletin).where(
        Bulletin.locality_id == application.locality_id, Bulletin.language == application.language,
        Bulletin.birth_year == application.birth_year, Bulletin.status == "published",
        Bulletin.claimed < Bulletin.places).order_by(Bulletin.published_at, Bulletin.id))
    if exclude is not None:
        query = query.where(Bulletin.id != exclude)
    return session.scalars(query).all()


def bulletin_for(session, application: Application, bulletin_id: int) -> Bulletin:
    bulletin = session.get(Bulletin, bulletin_id)
    if bulletin is None or bulletin.segment != application.segment:
        raise NotFound()
    return bulletin


def _staff_due(session, application, seat):
    if seat is None:
        return None
    return calendar.end_of_nth_working_day(session, application.district, seat.updated_at,
                                           RESPONSE_WORKING_DAYS_FOR_STAFF)


def history(session, application: Application) -> list[AuditEvent]:
    """Every event of the application's audit chain, oldest first."""
    return session.scalars(select(AuditEvent).where(AuditEvent.application == application.number)
                           .order_by(AuditEvent.seq)).all()


# --- choices for the application form ---------------------------------------------------------------

def localities(session, district_ids=None) -> list[Locality]:
    return session.scalars(select(Locality).where(Locality.active.is_(True)).order_by(Locality.id)).all()


def kindergartens_by_locality(session) -> dict[int, list[Kindergarten]]:
    grouped: dict[int, list[Kindergarten]] = {}
    for kindergarten in session.scalars(select(Kindergarten).where(Kindergarten.active.is_(True))
                                        .order_by(Kindergarten.locality_id, Kindergarten.id)):
        grouped.setdefault(kindergarten.locality_id, []).append(kindergarten)
    return grouped


def privilege_categories(session) -> list[PrivilegeCategory]:
    return session.scalars(select(PrivilegeCategory).order_by(PrivilegeCategory.tier, PrivilegeCategory.id)).all()


# --- the inbox ---------------------------------------------------------------------------------------

def inbox(session, user_id: int, limit: int = 100) -> list[Notification]:
    return session.scalars(select(Notification).where(
        Notification.user_id == user_id, Notification.channel == "inbox")
        .order_by(Notification.id.desc()).limit(limit)).all()


def unread_count(session, user_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user_id, Notification.channel == "inbox", Notification.read.is_(False))) or 0


def mark_read(session, user_id: int) -> None:
    session.execute(update(Notification).where(
        Notification.user_id == user_id, Notification.channel == "inbox", Notification.read.is_(False))
        .values(read=True).execution_options(synchronize_session=False))
