"""Inserting a row whose uniqueness was checked a moment ago: a double click or a second tab can
still win the race between the check and the insert; the database's unique index then decides, and
the user gets the same clear error instead of a crash."""
from sqlalchemy.exc import IntegrityError


def insert_once(session, row, duplicate_error) -> None:
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        # The unit of work fails as a whole, as it does for any domain error (PostgreSQL has already
        # aborted the transaction); a savepoint would not help on SQLite's driver.
        session.rollback()
        raise duplicate_error from None
