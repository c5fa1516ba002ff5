"""The mass of the demo: families (a parent and one to three children), each child with one
application, generated in plain Python, column by column, so a million cost little memory.

Families live in one locality and choose one language of instruction; Kazakh-language families
carry Kazakh names in Kazakh spelling, Russian-language ones Russian spelling or Russian names.
Every IIN comes from ``services.iin.make`` and agrees with the birth date and sex.
"""
from array import array
from bisect import bisect
from datetime import date, timedelta
from itertools import accumulate

from ..services import iin as iin_rules
from . import names
from .timeline import DAY, SECOND

OPERATORS = ("701", "702", "705", "707", "708", "747", "771", "775", "776", "777", "778")  # not 700: demo staff
FAMILY_SIZES = (1,) * 68 + (2,) * 26 + (3,) * 6
BIRTH_YEAR_WEIGHTS = (0.15, 0.17, 0.18, 0.19, 0.17, 0.14)  # oldest first: year-6 … year-1
PREFERENCE_COUNTS = (0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 4)
CLAIM_SHARE = 0.14
MOTHER_SHARE = 0.75
EMAIL_SHARE = 0.25
# Demo family, child by child: (years before "now", month, day, locality, language, mode)
# mode 1: confirms every year; 2: never confirms after the first year (so it is inactive).
DEMO_CHILDREN = ((3, 1, 1, 0, "kk", 1), (1, 3, 14, 0, "kk", 1), (5, 6, 5, 0, "ru", 2), (2, 8, 20, 0, "kk", 1))


class Population:
    """Parallel columns; index ``a`` of an application column is application id - first id."""

    def __init__(self):
        self.user_phone, self.user_name, self.user_iin, self.user_language = [], [], [], []
        self.user_email, self.user_first = [], []  # user_first: earliest submission (µs)
        self.parent = array("i")
        self.iin, self.surname, self.name, self.patronymic, self.sex = [], [], [], [], []
        self.birth = array("i")  # date ordinal
        self.locality = bytearray()
        self.language, self.submitted, self.preferences = [], [], []
        self.claim = array("b")  # index into names.PRIVILEGES, -1 none
        self.mode = bytearray()  # 0 ordinary family; 1/2 see DEMO_CHILDREN

    def __len__(self):
        return len(self.submitted)

    def forget_parents(self) -> None:
        """Drop what only the user rows needed (the names stay: rows.Parents holds them)."""
        self.user_phone = self.user_iin = self.user_language = self.user_email = self.user_first = None

    def sort_by_submission(self) -> None:
        """Application numbers are issued in submission order, so ids follow it too."""
        order = sorted(range(len(self)), key=self.submitted.__getitem__)
        for column in ("iin", "surname", "name", "patronymic", "sex", "language", "submitted", "preferences"):
            values = getattr(self, column)
            setattr(self, column, [values[i] for i in order])
        self.parent = array("i", (self.parent[i] for i in order))
        self.birth = array("i", (self.birth[i] for i in order))
        self.locality = bytearray(self.locality[i] for i in order)
        self.claim = array("b", (self.claim[i] for i in order))
        self.mode = bytearray(self.mode[i] for i in order)


class Generator:
    def __init__(self, rng, world, horizon_us: int, calendar, taken_iins=frozenset(), taken_phones=frozenset()):
        self.rng, self.world, self.horizon, self.calendar = rng, world, horizon_us, calendar
        self.taken_iins, self.taken_phones = set(taken_iins), set(taken_phones)
        self.serials: dict[tuple[int, str], int] = {}
        self.phone_offset = rng.randrange(10 ** 7)
        self.locality_cumulative = list(accumulate(locality[3] for locality in names.LOCALITIES))
        self.claim_cumulative = list(accumulate(p[5] for p in names.PRIVILEGES))
        self.year_cumulative = list(accumulate(BIRTH_YEAR_WEIGHTS))
        self.first_birth = date(world.year - 6, 1, 1).toordinal()
        # Born by the end of last year (kindergartens have groups for year-6 … year-1 births) and
        # a few days before the horizon, so that even a January "now" leaves time to apply.
        self.last_birth = min((calendar.local_date(horizon_us) - timedelta(days=5)).toordinal(),
                              date(world.year - 1, 12, 31).toordinal())
        self.year_first_day = {y: date(y, 1, 1).toordinal() for y in world.birth_years}
        self.kazakh = [_forms(s) for s in names.KAZAKH_SURNAMES]
        self.kazakh_fathers = [_patronymics(f) for f in names.KAZAKH_FATHERS]
        self.kazakh_spelling = (names.KAZAKH_BOYS, names.KAZAKH_GIRLS, names.KAZAKH_MOTHERS)
        self.russian_spelling = tuple(tuple(map(names.to_russian_spelling, words)) for words in self.kazakh_spelling)
        self.preference_pools = {
            key: ([kg for kg, popularity in options for _ in range(popularity)], len(options))
            for key, options in world.kindergartens.items()
        }
        self.latin_cache: dict[str, str] = {}

    def generate(self, count: int) -> Population:
        population = Population()
        self._demo_family(population)
        while len(population) < count:
            self._family(population, count)
        population.sort_by_submission()
        return population

    # --- families ---------------------------------------------------------------------------------
    # Hot loops for a million children: draws use random() and indexing rather than choice(),
    # which costs ten times more; every draw still comes from the one seeded generator.

    def _family(self, population: Population, count: int) -> None:
        random = self.rng.random
        locality = min(bisect(self.locality_cumulative, random() * self.locality_cumulative[-1]),
                       len(names.LOCALITIES) - 1)
        language = "kk" if random() < names.LOCALITIES[locality][4] else "ru"
        kazakh = random() < (0.97 if language == "kk" else 0.6)
        family = self._family_names(kazakh, language)
        births = self._births(FAMILY_SIZES[int(random() * len(FAMILY_SIZES))])
        user = self._parent(population, family, language)
        for birth in births:
            if len(population) >= count:
                break
            self._child(population, user, family, birth, locality, language, 0)

    def _family_names(self, kazakh: bool, language: str) -> dict:
        random = self.rng.random
        column = 0 if language == "kk" else 2
        if kazakh:
            surname = _pick(self.kazakh, random)
            father = _pick(self.kazakh_fathers, random)
            spell = self.kazakh_spelling if language == "kk" else self.russian_spelling
            return {"surname": (surname[column], surname[column + 1]),
                    "patronymic": (father[column], father[column + 1]),
                    "boys": spell[0], "girls": spell[1], "mothers": spell[2], "fathers": self.kazakh_fathers,
                    "father": father[4 if language == "kk" else 5]}
        surname = _pick(names.OTHER_SURNAMES, random)
        father = _pick(names.RUSSIAN_FATHERS, random)
        return {"surname": (surname, names.feminine(surname)), "patronymic": (father[1], father[2]),
                "boys": names.RUSSIAN_BOYS, "girls": names.RUSSIAN_GIRLS, "mothers": names.RUSSIAN_MOTHERS,
                "fathers": None, "father": father[0]}

    def _births(self, size: int) -> list[int]:
        random = self.rng.random
        year = self.world.year - 6 + min(bisect(self.year_cumulative, random() * self.year_cumulative[-1]), 5)
        births = [min(self.year_first_day[year] + int(random() * 365), self.last_birth)]
        for _ in range(size - 1):
            gap = 420 + int(random() * 681)
            sibling = births[-1] + (gap if random() < 0.5 else -gap)
            if self.first_birth <= sibling <= self.last_birth:
                births.append(sibling)
        return births

    def _parent(self, population: Population, family: dict, language: str, phone: str | None = None,
                mother: bool | None = None, iin: str | None = None) -> int:
        random = self.rng.random
        index = len(population.user_phone)
        mother = random() < MOTHER_SHARE if mother is None else mother
        if family["fathers"] is not None:  # a Kazakh family: the parent's own father has a Kazakh name too
            patronymic = _pick(family["fathers"], random)[(1 if mother else 0) + (0 if language == "kk" else 2)]
        else:
            patronymic = _pick(names.RUSSIAN_FATHERS, random)[2 if mother else 1]
        own = _pick(family["mothers"], random) if mother else family["father"]
        surname = family["surname"][1 if mother else 0]
        population.user_name.append(f"{surname} {own} {patronymic}")
        population.user_phone.append(phone or self._phone(index))
        population.user_iin.append(iin)  # optional for parents; only the demo parent's is filled in
        population.user_language.append(language if random() < 0.85 else ("ru" if language == "kk" else "kk"))
        email = None
        if random() < EMAIL_SHARE:
            email = f"{self._latin(own)}.{self._latin(surname)}{index % 1000}@example.com"
        population.user_email.append(email)
        population.user_first.append(None)
        return index

    def _child(self, population, user, family, birth: int, locality: int, language: str, mode: int,
               submitted: int | None = None, preferences=None, claim: int | None = None) -> None:
        random = self.rng.random
        male = random() < 0.51
        sex = "M" if male else "F"
        given = _pick(family["boys"] if male else family["girls"], random)
        population.iin.append(self._iin(date.fromordinal(birth), sex))
        population.surname.append(family["surname"][0 if male else 1])
        population.name.append(given)
        population.patronymic.append(family["patronymic"][0 if male else 1])
        population.sex.append(sex)
        population.birth.append(birth)
        population.parent.append(user)
        population.locality.append(locality)
        population.language.append(language)
        submitted = submitted if submitted is not None else self._submission(birth)
        population.submitted.append(submitted)
        first = population.user_first[user]
        population.user_first[user] = submitted if first is None or submitted < first else first
        population.preferences.append(preferences if preferences is not None else self._preferences(locality, language))
        population.claim.append(claim if claim is not None else self._claim())
        population.mode.append(mode)

    def _submission(self, birth: int) -> int:
        """Most parents apply in the child's first months; some move here later."""
        random = self.rng.random
        born = self.calendar.midnight_of(birth)
        roll = random()
        days = 3 + 57 * random() if roll < 0.55 else 60 + 305 * random() if roll < 0.85 else 365 + 735 * random()
        submitted = born + int(days * DAY)
        latest = self.horizon - 3600 * SECOND
        if submitted > latest:
            submitted = born + 3 * DAY + int(random() * max(latest - born - 3 * DAY, 1))
        return submitted

    def _preferences(self, locality: int, language: str) -> tuple:
        random = self.rng.random
        pool, distinct = self.preference_pools[(locality, language)]
        wanted = min(PREFERENCE_COUNTS[int(random() * len(PREFERENCE_COUNTS))], distinct)
        chosen: list[int] = []
        while len(chosen) < wanted:
            kindergarten = _pick(pool, random)
            if kindergarten not in chosen:
                chosen.append(kindergarten)
        return tuple(chosen)

    def _claim(self) -> int:
        random = self.rng.random
        if random() >= CLAIM_SHARE:
            return -1
        return min(bisect(self.claim_cumulative, random() * self.claim_cumulative[-1]), len(names.PRIVILEGES) - 1)

    def _latin(self, word: str) -> str:
        found = self.latin_cache.get(word)
        if found is None:
            found = self.latin_cache[word] = names.latin(word)
        return found

    # --- identifiers --------------------------------------------------------------------------------

    def _iin(self, born: date, sex: str) -> str:
        key = (born.toordinal(), sex)
        serial = self.serials.get(key)
        if serial is None:
            serial = self.rng.randrange(1, 4000)
        while True:
            number = iin_rules.make(born, sex, serial % 10000)
            serial += 1
            if number is not None and number not in self.taken_iins:
                break
        self.serials[key] = serial
        if self.taken_iins:
            self.taken_iins.add(number)
        return number

    def _phone(self, index: int) -> str:
        operator = OPERATORS[index % len(OPERATORS)]
        serial = (index // len(OPERATORS) * 7_654_321 + self.phone_offset) % 10 ** 7
        phone = f"+7{operator}{serial:07d}"
        while phone in self.taken_phones:
            serial = (serial + 1) % 10 ** 7
            phone = f"+7{operator}{serial:07d}"
        if self.taken_phones:
            self.taken_phones.add(phone)
        return phone

    # --- the demo parent's family ---------------------------------------------------------------------

    def _demo_family(self, population: Population) -> None:
        """A parent with a known password and four children in telling states (see history)."""
        from .district import ACCOUNTS

        surname = self.kazakh[0]  # Ахметов
        father = self.kazakh_fathers[1]  # Серік
        family = {"surname": (surname[0], surname[1]), "patronymic": (father[0], father[1]),
                  "boys": names.KAZAKH_BOYS, "girls": names.KAZAKH_GIRLS, "mothers": ("Айгүл",),
                  "fathers": self.kazakh_fathers, "father": father[4]}
        user = self._parent(population, family, "kk", phone=ACCOUNTS["parent"][0], mother=True,
                            iin=self._iin(date(1991, 4, 12), "F"))
        demo_kg = self.world.demo_kindergarten_id
        disability = next(i for i, p in enumerate(names.PRIVILEGES) if p[0] == "disability")
        for years_ago, month, day, locality, language, mode in DEMO_CHILDREN:
            born = date(self.world.year - years_ago, month, day)
            submitted = self.calendar.midnight(born) + DAY + 10 * 3600 * SECOND + self.rng.randrange(SECOND)
            first = len(population) == 0
            others = [kg for kg, _ in self.world.kindergartens[(locality, language)] if kg != demo_kg]
            preferences = (demo_kg,) if first else ((demo_kg, *others[:2]) if language == "kk" else ())
            self._child(population, user, family, born.toordinal(), locality, language, mode,
                        submitted=submitted, preferences=preferences, claim=disability if first else -1)


def _forms(surname: str) -> tuple[str, str, str, str]:
    """(Kazakh male, Kazakh female, Russian-spelling male, Russian-spelling female)."""
    russian = names.to_russian_spelling(surname)
    return surname, names.feminine(surname), russian, names.feminine(russian)


def _patronymics(father: str) -> tuple[str, str, str, str, str, str]:
    """(son, daughter) in Kazakh form, (son, daughter) in Russian form, the name in both spellings."""
    russian = names.to_russian_spelling(father)
    return father + "ұлы", father + "қызы", russian + "ович", russian + "овна", father, russian


def _pick(choices, random):
    return choices[int(random() * len(choices))]
