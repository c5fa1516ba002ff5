"""``create_*`` helpers that build a consistent little world through the real services."""
from datetime import date
from itertools import count

from webapp.models import Bulletin, District, Group, Kindergarten, Locality, PrivilegeCategory
from webapp.services import applications, bulletins, children, clock, iin, tasks, users
from webapp.services.actors import Actor


class Factory:
    def __init__(self, session):
        self.session = session
        self._serial = count(1)

    def commit(self):
        tasks.commit(self.session)

    def district(self, code="GM", priority_ratio=3, **kw) -> District:
        district = District(code=code, name_kk="Алатау ауданы", name_ru="Алатауский район",
                            name_en="Alatau district", priority_ratio=priority_ratio, **kw)
        self.session.add(district)
        self.session.flush()
        return district

    def locality(self, district=None, name="Көктем") -> Locality:
        district = district or self.district()
        locality = Locality(district_id=district.id, name_kk=name, name_ru=name, name_en=name)
        self.session.add(locality)
        self.session.flush()
        return locality

    def kindergarten(self, locality=None, languages="kk,ru", name="Балдырған") -> Kindergarten:
        locality = locality or self.locality()
        kindergarten = Kindergarten(district_id=locality.district_id, locality_id=locality.id, name_kk=name,
                                    name_ru=name, name_en=name, address="ул. Абая, 1", languages=languages)
        self.session.add(kindergarten)
        self.session.flush()
        return kindergarten

    def group(self, kindergarten=None, birth_year=2022, language="kk", capacity=25, enrolled=0) -> Group:
        kindergarten = kindergarten or self.kindergarten()
        group = Group(kindergarten_id=kindergarten.id, name=f"Group {next(self._serial)}",
                      birth_year=birth_year, language=language, capacity=capacity, enrolled=enrolled)
        self.session.add(group)
        self.session.flush()
        return group

    def privilege(self, code="disability", tier="extraordinary") -> PrivilegeCategory:
        category = PrivilegeCategory(code=code, name_kk=code, name_ru=code, name_en=code, tier=tier)
        self.session.add(category)
        self.session.flush()
        return category

    def user(self, role="parent", **kw):
        n = next(self._serial)
        return users.create(self.session, kw.pop("phone", f"+7701{n:07d}"), "correct-horse-1",
                            clock.now(), role=role, full_name=kw.pop("full_name", f"User {n}"), **kw)

    def staff(self, kindergarten):
        user = self.user("staff", kindergarten_id=kindergarten.id, district_id=kindergarten.district_id)
        return user, Actor.of(user)

    def department(self, district):
        user = self.user("department", district_id=district.id)
        return user, Actor.of(user)

    def child(self, parent=None, birth_date=date(2022, 5, 17), sex="M", surname="Сейітов", name="Алихан"):
        parent = parent or self.user()
        while True:
            number = iin.make(birth_date, sex, next(self._serial))
            if number:
                break
        return children.add(self.session, parent, number, surname, name, birth_date, sex, clock.now())

    def application(self, locality, child=None, language="kk", kindergartens=(), privileges=(), at=None):
        child = child or self.child()
        actor = Actor.of(child.parent)
        return applications.submit(self.session, actor, child.id, locality.id, language, at or clock.now(),
                                   kindergarten_ids=[k.id for k in kindergartens],
                                   privilege_codes=list(privileges))

    def bulletin(self, group, places=1, publish=True) -> Bulletin:
        kindergarten = group.kindergarten
        _, actor = self.staff(kindergarten)
        bulletin = bulletins.create(self.session, group.id, places, actor, clock.now())
        if publish:
            bulletins.publish(self.session, bulletin.id, actor, clock.now())
        return bulletin
