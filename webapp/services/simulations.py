"""Policy simulations as the department sees them: started (audited), run as a background job with
its progress kept, the result kept for later. The replay itself is services.simulator."""
import time
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..models import District, PolicySimulation
from . import audit, clock, simulator, simulator_history, tasks
from .actors import require_department
from .errors import InvalidInput, NotFound

MAX_RATIO = 10
RULES = ("ratio", "strict")
LISTED = 50


def window_of(now: datetime) -> tuple[datetime, datetime]:
    """The last twelve months up to ``now`` (29 February falls back to the 28th)."""
    try:
        return now.replace(year=now.year - 1), now
    except ValueError:
        return now.replace(year=now.year - 1, day=28), now


def start(session, actor, rule: str, k: int | None, now) -> PolicySimulation:
    """Ask for a simulation of the actor's district; the job runs it after the commit."""
    require_department(actor, actor.district_id)
    if rule not in RULES:
        raise InvalidInput(_l("Choose a priority ratio or strict tiers."))
    if rule == "ratio" and (k is None or not 0 <= k <= MAX_RATIO):
        raise InvalidInput(_l("The ratio must be a whole number from 0 to %(most)d."), most=MAX_RATIO)
    first, last = window_of(now)
    parameters = {"rule": rule, "k": 0 if rule == "strict" else k, "start": clock.iso(first), "end": clock.iso(last)}
    simulation = PolicySimulation(district_id=actor.district_id, requested_by=actor.user_id, created_at=now,
                                  status="queued", progress=0, parameters=audit.canonical_json(parameters), error="")
    session.add(simulation)
    session.flush()
    audit.record(session, "policy.simulation_started", actor=actor, at=now,
                 data=dict(parameters, simulation_id=simulation.id, district_id=actor.district_id))
    tasks.defer(session, "simulate_policy", simulation.id)
    return simulation


def own_ratio(session, district_id: int) -> int:
    return session.get(District, district_id).priority_ratio


def listed(session, actor) -> list[PolicySimulation]:
    require_department(actor, actor.district_id)
    return list(session.scalars(
        select(PolicySimulation).where(PolicySimulation.district_id == actor.district_id)
        .order_by(PolicySimulation.created_at.desc(), PolicySimulation.id.desc()).limit(LISTED)
    ))


def get(session, actor, simulation_id: int) -> PolicySimulation:
    """One simulation of the actor's district; another district's is not found (404)."""
    simulation = session.get(PolicySimulation, simulation_id)
    if simulation is None or simulation.district_id != actor.district_id:
        raise NotFound()
    require_department(actor, simulation.district_id)
    return simulation


# --- the job's side ---------------------------------------------------------------------------------

def run(session, simulation_id: int) -> str:
    """Replay the history twice — under the district's own ratio (the check that the model reproduces
    what happened) and under the asked rule — and keep the result. Progress is committed as it goes,
    so the page can show it. A finished simulation is left as it is (a repeated job changes nothing)."""
    simulation = session.get(PolicySimulation, simulation_id)
    if simulation is None or simulation.status == "done":
        return "no change"
    began = time.perf_counter()
    simulation.status, simulation.started_at, simulation.progress, simulation.error = \
        "running", clock.now(), 1, ""
    session.commit()
    parameters = simulation.params
    first, last = (datetime.fromisoformat(parameters[key].replace("Z", "+00:00")) for key in ("start", "end"))
    own = own_ratio(session, simulation.district_id)
    history = simulator_history.read(session, simulation.district_id, first, last)
    _progress(session, simulation, 10)
    real = simulator.actual(history)
    own_outcome = simulator.replay(history, own, lambda done: _progress(session, simulation, 10 + int(40 * done)))
    other = simulator.replay(history, parameters["k"], lambda done: _progress(session, simulation, 50 + int(45 * done)))
    simulation.result = audit.canonical_json(_result(history, own, real, own_outcome, other,
                                                     time.perf_counter() - began))
    simulation.status, simulation.progress, simulation.finished_at = "done", 100, clock.now()
    session.commit()
    return "done"


def fail(session, simulation_id: int, error: str) -> None:
    """The job failed: say so on the page, with the error, and stop the progress bar."""
    simulation = session.get(PolicySimulation, simulation_id)
    if simulation is None:
        return
    simulation.status, simulation.error, simulation.finished_at = "failed", error[:2000], clock.now()
    session.commit()


def _progress(session, simulation, percent: int) -> None:
    percent = max(0, min(99, percent))
    if percent > simulation.progress:
        simulation.progress = percent
        session.commit()


def _result(history, own_k, real, own, other, seconds) -> dict:
    reproduced = sum(1 for number, placement in real.placements.items()
                     if number in own.placements and own.placements[number].bulletin_id == placement.bulletin_id)
    return {
        "own_ratio": own_k,
        "tiers": simulator.compare(real, other),
        "check": {"actual_placed": len(real.placements), "reproduced": reproduced,
                  "replayed_placed": len(own.placements), "tiers": simulator.compare(real, own)},
        "history": {"applications": len(history.applications), "bulletins": len(history.bulletins),
                    "events": history.event_count, "invitations": real.invitations,
                    "simulated_invitations": other.invitations},
        "seconds": round(seconds, 2),
    }
