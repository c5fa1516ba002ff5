"""Work that must happen only after the business transaction commits (DESIGN §5, STYLE habit 3).

Services call ``defer(session, name, *args)``; ``commit(session)`` commits and then hands each task
to the runner: RQ when Redis is configured, or a direct call otherwise. A rollback forgets them.
Task names are functions of ``webapp.jobs``; they take ids only and are idempotent.
"""
from sqlalchemy import event
from sqlalchemy.orm import Session

_runner = None  # set by create_app: callable(name, args) -> None


def set_runner(runner) -> None:
    global _runner
    _runner = runner


def defer(session, name: str, *args) -> None:
    # An ordered dict used as an ordered set: distribute the same segment once per transaction, and
    # a sweep batch deferring thousands of tasks does not compare each with all the others.
    session.info.setdefault("tasks_pending", {}).setdefault((name, args), None)


def commit(session) -> None:
    session.commit()
    run_ready(session)


def run_ready(session) -> None:
    while session.info.get("tasks_ready"):
        name, args = session.info["tasks_ready"].pop(0)
        if _runner is not None:
            _runner(name, args)


@event.listens_for(Session, "after_commit")
def _ready_on_commit(session):
    ready = session.info.setdefault("tasks_ready", [])
    queued = set(ready)
    for task in session.info.pop("tasks_pending", {}):
        if task not in queued:
            queued.add(task)
            ready.append(task)


@event.listens_for(Session, "after_rollback")
def _forget_on_rollback(session):
    session.info.pop("tasks_pending", None)
