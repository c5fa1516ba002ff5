"""Where the places are: districts, localities, kindergartens and their groups."""
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .localized import Localized


class District(Localized, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)  # prefix of application numbers
    name_kk: Mapped[str] = mapped_column(String(200))
    name_ru: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Almaty")
    # k of DESIGN §4: after each priority applicant, up to k ordinary ones; 0 = priority strictly first.
    priority_ratio: Mapped[int] = mapped_column(Integer, default=3)
    max_age: Mapped[int] = mapped_column(Integer, default=6)  # age on 1 September that ends waiting
    # The other numbers of the district's procedure (DESIGN §6a; services.policy reads and changes them).
    respond_working_days: Mapped[int] = mapped_column(Integer, default=3, server_default="3")
    contract_working_days: Mapped[int] = mapped_column(Integer, default=5, server_default="5")
    stop_list_working_days: Mapped[int] = mapped_column(Integer, default=10, server_default="10")
    max_preferences: Mapped[int] = mapped_column(Integer, default=4, server_default="4")
    extension_days: Mapped[int] = mapped_column(Integer, default=30, server_default="30")  # calendar days
    email: Mapped[str | None] = mapped_column(String(200))  # reply-to of the department

    localities: Mapped[list["Locality"]] = relationship(back_populates="district", order_by="Locality.id")


class Locality(Localized, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"), index=True)
    name_kk: Mapped[str] = mapped_column(String(200))
    name_ru: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    # A deactivated locality leaves the public lists and the parents' choices; its history stays.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    district: Mapped[District] = relationship(back_populates="localities")


class Kindergarten(Localized, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"), index=True)
    locality_id: Mapped[int] = mapped_column(ForeignKey("locality.id"), index=True)
    name_kk: Mapped[str] = mapped_column(String(300))
    name_ru: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str] = mapped_column(String(300))
    address: Mapped[str] = mapped_column(String(300), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    languages: Mapped[str] = mapped_column(String(16), default="kk,ru")  # comma-separated kk/ru
    ownership: Mapped[str] = mapped_column(String(32), default="state")  # state | private_state_order
    working_hours: Mapped[str] = mapped_column(String(64), default="07:30–19:00")
    equipment: Mapped[str] = mapped_column(Text, default="")
    programmes: Mapped[str] = mapped_column(Text, default="")
    description_kk: Mapped[str] = mapped_column(Text, default="")
    description_ru: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    # A deactivated kindergarten leaves the registry and the parents' choices; its history stays.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    locality: Mapped[Locality] = relationship()
    district: Mapped[District] = relationship()
    groups: Mapped[list["Group"]] = relationship(back_populates="kindergarten", order_by="Group.id")

    @property
    def language_list(self) -> list[str]:
        return [code for code in self.languages.split(",") if code]


class Group(db.Model):
    __tablename__ = "kindergarten_group"  # "group" is an SQL keyword
    __table_args__ = (
        CheckConstraint("enrolled >= 0 AND enrolled <= capacity", name="enrolled_within_capacity"),
        CheckConstraint("language IN ('kk', 'ru')", name="language_known"),
        UniqueConstraint("kindergarten_id", "name", name="uq_group_kindergarten_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kindergarten_id: Mapped[int] = mapped_column(ForeignKey("kindergarten.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    birth_year: Mapped[int] = mapped_column(Integer)
    language: Mapped[str] = mapped_column(String(2))
    capacity: Mapped[int] = mapped_column(Integer)
    enrolled: Mapped[int] = mapped_column(Integer, default=0)
    # A deactivated group offers no places: it leaves the registry's figures and takes no bulletin.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    kindergarten: Mapped[Kindergarten] = relationship(back_populates="groups")

    @property
    def free_places(self) -> int:
        return self.capacity - self.enrolled
