"""What a replay is measured by: who was placed (enrolled within the window), their tier and wait
(submission to the invitation that led to the enrolment), what really happened by the same
measure, and the two side by side per tier."""
from dataclasses import dataclass, field
from datetime import datetime
from statistics import median

from .simulator_history import History

TIERS = ("extraordinary", "priority", "ordinary")
DAY = 86400.0


@dataclass(frozen=True)
class Placement:
    number: str
    bulletin_id: int
    tier: str
    invited_at: datetime
    placed_at: datetime
    wait_days: float


@dataclass
class Outcome:
    placements: dict = field(default_factory=dict)  # number -> Placement, placed within the window
    invitations: int = 0

    def by_tier(self) -> dict:
        found = {tier: [] for tier in TIERS}
        for placement in self.placements.values():
            found[placement.tier].append(placement.wait_days)
        return {tier: {"placed": len(waits), "median_wait_days": median(waits) if waits else None}
                for tier, waits in found.items()}


# --- what really happened -------------------------------------------------------------------------

def actual(history: History) -> Outcome:
    """Placements as the audit chain records them: enrolled within the window, waited from
    submission to the invitation that led to the enrolment."""
    outcome = Outcome()
    for arrival in history.applications.values():
        invited_at = bulletin_id = None
        for event in arrival.events:
            if event.action == "invitation.created":
                invited_at, bulletin_id = event.at, event.data.get("bulletin_id")
                outcome.invitations += history.start <= event.at
            elif event.action == "invitation.responded":
                bulletin_id = event.data.get("bulletin_id", bulletin_id)
            elif event.action == "application.enrolled" and history.start <= event.at <= history.end \
                    and invited_at is not None:
                outcome.placements[arrival.number] = _placement(arrival, bulletin_id, invited_at, event.at)
    return outcome


def _placement(arrival, bulletin_id, invited_at, placed_at) -> Placement:
    return Placement(arrival.number, bulletin_id, arrival.tier_at(invited_at), invited_at, placed_at,
                     (invited_at - arrival.submitted_at).total_seconds() / DAY)


def compare(actual_outcome: Outcome, simulated: Outcome) -> list[dict]:
    """Per tier, side by side: placed and median wait (days, one decimal)."""
    real, replayed = actual_outcome.by_tier(), simulated.by_tier()
    return [{"tier": tier, "actual": _rounded(real[tier]), "simulated": _rounded(replayed[tier])} for tier in TIERS]


def _rounded(figures: dict) -> dict:
    wait = figures["median_wait_days"]
    return {"placed": figures["placed"], "median_wait_days": None if wait is None else round(wait, 1)}
