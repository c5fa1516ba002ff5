"""The command line (DESIGN §10), through Flask's CLI runner against the test database."""
from datetime import date

import pytest
from sqlalchemy import select, text
from werkzeug.security import check_password_hash

from webapp.models import CalendarOverride, User


@pytest.fixture
def app_overrides():
    """Commands print messages in the default language; these tests read English."""
    return {"DEFAULT_LANGUAGE": "en"}


def test_calendar_deadline_of_the_design_example(runner):
    result = runner.invoke(args=["calendar", "deadline", "--from", "2026-03-20", "--working-days", "3"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "2026-03-30"


def test_calendar_deadline_with_a_districts_overrides(runner, factory, session):
    district = factory.district(code="GM")
    session.add(CalendarOverride(district_id=district.id, day=date(2026, 3, 28),
                                 is_working_day=True, note="working Saturday"))
    session.commit()
    args = ["calendar", "deadline", "--from", "2026-03-20", "--working-days", "3"]
    assert runner.invoke(args=args + ["--district", "GM"]).output.strip() == "2026-03-28"
    assert runner.invoke(args=args).output.strip() == "2026-03-30"
    result = runner.invoke(args=args + ["--district", "NOPE"])
    assert result.exit_code != 0 and "no such district" in result.output


@pytest.mark.parametrize("args", [
    ["--from", "20.03.2026", "--working-days", "3"],
    ["--from", "2026-03-20", "--working-days", "0"],
    ["--from", "2026-03-20"],
])
def test_calendar_deadline_refuses_bad_arguments(runner, args):
    result = runner.invoke(args=["calendar", "deadline", *args])
    assert result.exit_code == 2


@pytest.mark.parametrize("role, scope", [
    ("parent", []), ("admin", []), ("department", ["--district", "GM"]), ("staff", ["--kindergarten", "KG"]),
])
def test_users_create_for_each_role(runner, factory, session, role, scope):
    kindergarten = factory.kindergarten(factory.locality(factory.district(code="GM")))
    session.commit()
    scope = [str(kindergarten.id) if arg == "KG" else arg for arg in scope]
    for password_as, phone, normalised in (("option", "8 (701) 234-56-78", "+77012345678"),
                                           ("input", "+7 702 111 22 33", "+77021112233")):
        args = ["users", "create", "--role", role, "--phone", phone, "--name", "Әлия Нұрова", *scope]
        if password_as == "option":
            result = runner.invoke(args=args + ["--password", "s3cret-pass"])
        else:
            result = runner.invoke(args=args, input="s3cret-pass\ns3cret-pass\n")
        assert result.exit_code == 0, result.output
        session.expire_all()
        user = session.scalars(select(User).where(User.phone == normalised)).one()
        assert result.output.strip().endswith(f"user {user.id} {normalised} {role}")
        assert (user.role, user.full_name) == (role, "Әлия Нұрова")
        assert check_password_hash(user.password_hash, "s3cret-pass")
        assert "s3cret-pass" not in user.password_hash
        assert user.district_id == (None if role in ("parent", "admin") else kindergarten.district_id)
        assert user.kindergarten_id == (kindergarten.id if role == "staff" else None)


def test_users_create_refuses_what_the_service_refuses(runner, factory, session):
    factory.district(code="GM")
    session.commit()
    base = ["users", "create", "--password", "s3cret-pass"]
    cases = [
        (["--role", "staff", "--phone", "+77011112233"], "A staff account needs a kindergarten."),
        (["--role", "department", "--phone", "+77011112233"], "A department account needs a district."),
        (["--role", "parent", "--phone", "12345"], "Enter a Kazakh mobile number"),
        (["--role", "department", "--phone", "+77011112233", "--district", "XX"], "no such district"),
        (["--role", "staff", "--phone", "+77011112233", "--kindergarten", "999"], "no such kindergarten"),
    ]
    for extra, message in cases:
        result = runner.invoke(args=base + extra)
        assert result.exit_code != 0 and message in result.output, (extra, result.output)
    assert runner.invoke(args=base + ["--role", "parent", "--phone", "+77011112233"]).exit_code == 0
    again = runner.invoke(args=base + ["--role", "admin", "--phone", "87011112233"])
    assert again.exit_code != 0 and "already exists" in again.output
    short = runner.invoke(args=["users", "create", "--role", "admin", "--phone", "+77019998877",
                                "--password", "short"])
    assert short.exit_code != 0 and "at least 8 characters" in short.output
    mismatch = runner.invoke(args=["users", "create", "--role", "admin", "--phone", "+77019998877"],
                             input="one-password\nanother-one\none-password\none-password\n")
    assert mismatch.exit_code == 0 and "do not match" in mismatch.output.lower()
    assert session.scalar(select(User.role).where(User.phone == "+77019998877")) == "admin"


def test_audit_verify_ok_and_broken(runner, factory, session):
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "audit chain ok: 0 events" in result.output
    locality = factory.locality()
    for _ in range(3):
        factory.application(locality)
    factory.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "audit chain ok: 3 events" in result.output
    session.execute(text("UPDATE audit_event SET action = 'application.enrolled' WHERE seq = 2"))
    session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "audit chain broken at seq 2" in result.output
