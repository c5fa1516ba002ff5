"""Who may be invited now (DESIGN §5, §6): the one rule distribution, invitations and anything else
ask, in Python (``eligible_now``) and in SQL (``eligible_clause``), so they cannot disagree.

An application is eligible now when all of these hold on the district's local ``today``:

- its status is ``queued`` (waiting, and not already holding or refused a seat);
- its interest is confirmed for the current interest year, or it is not yet 1 October (until then
  last year's confirmation still counts; from 1 October it is deactivated: "no position, never
  invited");
- the child has not reached the district's maximum age on the last 1 September (it leaves for
  school that day).

The sweep deactivates and ages out such applications, but only at its own pace and in its own
order; this rule is what makes an invitation impossible in between (a seat released by an earlier
step of the same sweep, a bulletin published at 00:10 before the sweep's run).
"""
from datetime import date

from sqlalchemy import and_, true

from ..models import Application, Child

DEACTIVATION_DAY = (10, 1)  # 1 October: unconfirmed applications become inactive
SCHOOL_DAY = (9, 1)  # 1 September: children of the maximum age leave for school


def interest_current(interest_year: int, today: date) -> bool:
    """Confirmed for this year, or last year's confirmation still counts (before 1 October)."""
    return interest_year >= today.year or (today.month, today.day) < DEACTIVATION_DAY


def school_age_born_by(max_age: int, today: date) -> date:
    """Children born on or before this day have reached ``max_age`` on the last 1 September."""
    last_september = today.year if (today.month, today.day) >= SCHOOL_DAY else today.year - 1
    return date(last_september - max_age, *SCHOOL_DAY)


def reached_school_age(birth_date: date, max_age: int, today: date) -> bool:
    return birth_date <= school_age_born_by(max_age, today)


def eligible_now(status: str, interest_year: int, birth_date: date, max_age: int, today: date) -> bool:
    return (status == "queued" and interest_current(interest_year, today)
            and not reached_school_age(birth_date, max_age, today))


def application_eligible_now(application, today: date) -> bool:
    """``eligible_now`` of a loaded application (its child and district are read)."""
    return eligible_now(application.status, application.interest_year, application.child.birth_date,
                        application.district.max_age, today)


def eligible_clause(max_age: int, today: date):
    """The same rule as a SQL condition; the statement must join ``Child`` on the application."""
    interest = true() if (today.month, today.day) < DEACTIVATION_DAY else Application.interest_year >= today.year
    return and_(Application.status == "queued", interest,
                Child.birth_date > school_age_born_by(max_age, today))
