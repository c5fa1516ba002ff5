"""The seeded demo district as the page tests see it: which kindergarten, segment, application and
referral to open, and the public pages (issue 8) with their URLs. Shared by the browser tests and
by tests/test_page_weight.py, so both measure the same pages."""
from dataclasses import dataclass
from urllib.parse import urlencode

from sqlalchemy import func, select

from webapp import demo
from webapp.models import Application, Child, Kindergarten, Referral
from webapp.services import clock, queue
from webapp.services.queue import Segment

from ..conftest import DEFAULT_NOW

APPLICATIONS = 300
SEED = 1


@dataclass(frozen=True)
class District:
    """Real rows of the seeded district that the pages should show."""

    kindergarten_id: int
    kindergarten_locality_id: int
    segment: Segment  # the largest waiting segment
    number: str  # an application waiting in that segment, not at the head
    position: int  # its position there
    iin: str  # its child's IIN
    referral_number: str
    referral_token: str

    def queue_query(self, **extra) -> str:
        return urlencode({"locality": self.segment.locality_id, "language": self.segment.language,
                          "birth_year": self.segment.birth_year, **extra})

    def urls(self) -> dict[str, str]:
        """Every public page by a short name (used for screenshots and test ids)."""
        return {
            "home": "/",
            "kindergartens": "/kindergartens",
            "kindergarten": f"/kindergartens/{self.kindergarten_id}",
            "queue": f"/queue?{self.queue_query()}",
            "lookup": f"/queue/lookup?{urlencode({'q': self.number})}",
            "bulletins": "/bulletins",
            "transparency": "/transparency",
            "verify": f"/verify/{self.referral_token}",
        }


PAGE_NAMES = ["home", "kindergartens", "kindergarten", "queue", "lookup", "bulletins", "transparency",
              "verify"]
# The routes that answer an htmx request with a partial: page name -> the partial's root id.
PARTIALS = {"kindergartens": "kindergarten-rows", "queue": "queue-rows", "bulletins": "bulletin-rows"}


def seed(session) -> None:
    """The real seeder at the suite's pinned "now" (it leaves the clock where it found it)."""
    clock.set(DEFAULT_NOW)
    demo.seed(session, applications=APPLICATIONS, seed=SEED)


def describe(session) -> District:
    segment = Segment(*session.execute(
        select(Application.locality_id, Application.language, Application.birth_year)
        .where(Application.waiting.is_(True))
        .group_by(Application.locality_id, Application.language, Application.birth_year)
        .order_by(func.count().desc(), Application.locality_id, Application.language, Application.birth_year)
        .limit(1)
    ).one())
    _, rows = queue.page(session, segment, 1, 50)
    assert len(rows) >= 3, "the seeded district should have a segment with at least three waiting"
    position, application = rows[2]
    kindergarten = session.scalars(select(Kindergarten).order_by(Kindergarten.id).limit(1)).one()
    referral = session.scalars(select(Referral).where(Referral.status == "issued").order_by(Referral.id)
                               .limit(1)).one()
    return District(
        kindergarten_id=kindergarten.id, kindergarten_locality_id=kindergarten.locality_id,
        segment=segment, number=application.number, position=position,
        iin=session.scalar(select(Child.iin).where(Child.id == application.child_id)),
        referral_number=referral.number, referral_token=referral.token,
    )
