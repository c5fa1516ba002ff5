"""The demo district's fixed part: localities, kindergartens and their groups, privilege
categories and the accounts of the people who run it. A few hundred rows, written with the ORM."""
from dataclasses import dataclass, field
from datetime import datetime

from werkzeug.security import generate_password_hash

from ..models import District, Group, Kindergarten, Locality, PrivilegeCategory, User
from ..services import users
from . import names

# Demo-only accounts; documented in bench/README.md and printed by seed-demo.
ACCOUNTS = {
    "admin": ("+77000000001", "kezek-admin"),
    "department": ("+77000000002", "kezek-department"),
    "staff": ("+77000000003", "kezek-staff"),
    "parent": ("+77000000004", "kezek-parent"),
}
STAFF_PHONE = "+7700000{:04d}"  # staff of kindergarten №N (N ≥ 2): +770000010NN
PRIVATE = "private_state_order"  # a private kindergarten with a state order (госзаказ)


@dataclass
class World:
    """Ids and facts the population and the history need, so they never query for them."""

    district_id: int
    code: str
    timezone: str
    year: int  # local year of "now": children are born in year-6 … year-1
    localities: list[int] = field(default_factory=list)
    locality_names: list[str] = field(default_factory=list)
    # (locality index, language) → [(kindergarten id, popularity)]
    kindergartens: dict = field(default_factory=dict)
    staff: dict = field(default_factory=dict)  # kindergarten id → staff user id
    categories: dict = field(default_factory=dict)  # code → (id, tier)
    department_id: int = 0
    department_name: str = ""
    parent_hash: str = ""
    demo_kindergarten_id: int = 0
    demo_kindergarten_name: str = ""
    groups: int = 0

    @property
    def birth_years(self) -> range:
        return range(self.year - 6, self.year)


def build(session, rng, year: int, founded: datetime) -> World:
    district = District(priority_ratio=3, max_age=6, **names.DISTRICT)
    session.add(district)
    session.flush()
    world = World(district_id=district.id, code=district.code, timezone=district.timezone, year=year)
    _localities(session, world)
    _kindergartens(session, rng, world)
    _categories(session, world)
    _accounts(session, world, founded)
    return world


def _localities(session, world: World) -> None:
    for name_kk, name_ru, name_en, *_ in names.LOCALITIES:
        locality = Locality(district_id=world.district_id, name_kk=name_kk, name_ru=name_ru, name_en=name_en)
        session.add(locality)
        session.flush()
        world.localities.append(locality.id)
        world.locality_names.append(locality.name_ru)


def _kindergartens(session, rng, world: World) -> None:
    pool = list(names.KINDERGARTEN_NAMES)
    rng.shuffle(pool)
    russian_pool = list(names.RUSSIAN_KINDERGARTEN_NAMES)
    serial = 0
    for index, (*_names, _share, kk_share, count) in enumerate(names.LOCALITIES):
        for number in range(count):
            serial += 1
            languages = _languages(rng, kk_share, first=number == 0)
            title = russian_pool.pop() if languages == "ru" and russian_pool else pool.pop()
            kindergarten = _kindergarten(rng, world, index, serial, title, languages)
            session.add(kindergarten)
            session.flush()
            popularity = rng.choice((1, 1, 2, 2, 3, 5))  # a few kindergartens everyone asks for
            for language in kindergarten.language_list:
                world.kindergartens.setdefault((index, language), []).append((kindergarten.id, popularity))
            _groups(session, rng, world, kindergarten, demo=serial == 1)
            if serial == 1:
                world.demo_kindergarten_id, world.demo_kindergarten_name = kindergarten.id, kindergarten.name_ru


def _languages(rng, kk_share: float, first: bool) -> str:
    if first:
        return "kk,ru"  # every locality has a kindergarten for each language
    roll = rng.random()
    if roll < 0.55:
        return "kk,ru"
    return "kk" if roll < 0.55 + 0.45 * kk_share else "ru"


def _kindergarten(rng, world, locality_index, serial, title, languages) -> Kindergarten:
    place_kk, place_ru, place_en = names.LOCALITIES[locality_index][:3]
    title_ru, title_en = names.to_russian_spelling(title), names.latin(title).title()
    equipment = rng.sample(names.EQUIPMENT, rng.randint(3, 6))
    programmes = [names.PROGRAMMES[0], *rng.sample(names.PROGRAMMES[1:], rng.randint(1, 3))]
    ownership = PRIVATE if rng.random() < 0.2 else "state"
    return Kindergarten(
        district_id=world.district_id, locality_id=world.localities[locality_index],
        name_kk=f"№{serial} «{title}» бөбекжай-бақшасы",
        name_ru=f"Ясли-сад №{serial} «{title_ru}»",
        name_en=f"Nursery-kindergarten No. {serial} \"{title_en}\"",
        address=f"{place_ru}, ул. {rng.choice(names.STREETS)}, {rng.randint(1, 120)}",
        phone=f"+7 72770 {rng.randint(2, 5)}-{rng.randint(10, 99)}-{rng.randint(10, 99)}",
        languages=languages, ownership=ownership, working_hours=rng.choice(names.WORKING_HOURS),
        equipment=", ".join(equipment), programmes="; ".join(programmes),
        description_kk=f"{place_kk} елді мекеніндегі балабақша: {len(equipment)} арнайы бөлме, "
                       f"оқыту тілі: {_language_words(languages, 'kk')}.",
        description_ru=f"Детский сад, {place_ru}: {', '.join(equipment[:3])}. "
                       f"Язык обучения: {_language_words(languages, 'ru')}.",
        description_en=f"A kindergarten in {place_en} teaching in {_language_words(languages, 'en')}.",
    )


def _language_words(languages: str, lang: str) -> str:
    words = {"kk": {"kk": "қазақ", "ru": "орыс"}, "ru": {"kk": "казахский", "ru": "русский"},
             "en": {"kk": "Kazakh", "ru": "Russian"}}[lang]
    return ", ".join(words[code] for code in languages.split(","))


def _groups(session, rng, world, kindergarten, demo: bool) -> None:
    for language in kindergarten.language_list:
        titles = names.GROUP_NAMES_KK if language == "kk" else names.GROUP_NAMES_RU
        for offset, birth_year in enumerate(world.birth_years):
            age = world.year - birth_year
            label = names.AGE_GROUPS[age][0 if language == "kk" else 1]
            capacity = rng.choice((15, 18, 20)) if age == 1 else rng.choice((20, 22, 24, 25, 25, 30))
            free = rng.choice((0, 0, 0, 1, 2, 3, 4, 5))
            if demo and language == "kk":
                free = max(free, 8)  # the demo staff account has places to offer
            session.add(Group(kindergarten_id=kindergarten.id, name=f"«{titles[offset]}», {label}",
                              birth_year=birth_year, language=language, capacity=capacity,
                              enrolled=capacity - free))
            world.groups += 1
    session.flush()


def _categories(session, world: World) -> None:
    for code, tier, name_kk, name_ru, name_en, *_ in names.PRIVILEGES:
        category = PrivilegeCategory(code=code, tier=tier, name_kk=name_kk, name_ru=name_ru, name_en=name_en,
                                     document_required=True)
        session.add(category)
        session.flush()
        world.categories[code] = (category.id, tier)


def _accounts(session, world: World, founded: datetime) -> None:
    admin_phone, admin_password = ACCOUNTS["admin"]
    users.create(session, admin_phone, admin_password, founded, role="admin",
                 full_name="Администратор Kezek", language="ru")
    phone, password = ACCOUNTS["department"]
    world.department_name = "Сәрсенбаева Гүлнар Ерланқызы"
    department = users.create(session, phone, password, founded, role="department",
                              full_name=world.department_name, district_id=world.district_id, language="kk")
    world.department_id = department.id
    staff_phone, staff_password = ACCOUNTS["staff"]
    staff_hash = generate_password_hash(staff_password)  # one hash for every demo staff account
    kindergarten_ids = sorted({kg for options in world.kindergartens.values() for kg, _ in options})
    for number, kindergarten_id in enumerate(kindergarten_ids):
        user = User(phone=staff_phone if number == 0 else STAFF_PHONE.format(1001 + number),
                    password_hash=staff_hash, role="staff", district_id=world.district_id,
                    kindergarten_id=kindergarten_id, full_name=f"Методист ясли-сада №{number + 1}",
                    language="ru", phone_verified=True, created_at=founded)
        session.add(user)
        session.flush()
        world.staff[kindergarten_id] = user.id
    world.parent_hash = generate_password_hash(ACCOUNTS["parent"][1])
