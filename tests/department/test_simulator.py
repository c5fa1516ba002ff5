"""The policy simulator's pages: start a replay (audited), watch it, read it; only the district's own
operator; CSRF; wrong input is 422 and starts nothing."""
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import AuditEvent, PolicySimulation
from webapp.services import audit, clock, simulator, simulator_history
from webapp.services.actors import Actor

from ..services.simulated_year import build_year, categories
from .conftest import csrf_token, log_in, post

LIST = "/department/simulations"


def _simulations() -> list[PolicySimulation]:
    db.session.rollback()
    return list(db.session.scalars(select(PolicySimulation).order_by(PolicySimulation.id)))


def _year(world, factory) -> dict:
    categories(factory)
    world.district.priority_ratio = 1
    world.commit()
    return build_year(world)


def _made(world, status="done", progress=100, result=None) -> PolicySimulation:
    simulation = PolicySimulation(
        district_id=world.district.id, created_at=clock.now(), status=status, progress=progress,
        parameters=json.dumps({"rule": "ratio", "k": 2, "start": clock.iso(clock.now() - timedelta(days=365)),
                               "end": clock.iso(clock.now())}),
        result=json.dumps(result) if result else None, error="")
    db.session.add(simulation)
    db.session.commit()
    return simulation


# --- the whole path -----------------------------------------------------------------------------

def test_the_operator_runs_a_simulation_and_reads_it_beside_what_happened(department, world, factory, operator):
    year = _year(world, factory)
    response = post(department, LIST, {"rule": "strict"})

    [simulation] = _simulations()
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/department/simulations/{simulation.id}")
    # No Redis: the job ran right after the commit, through jobs.simulate_policy.
    assert (simulation.status, simulation.progress, simulation.error) == ("done", 100, "")
    assert simulation.requested_by == operator.id and simulation.finished_at is not None
    result = simulation.outcome
    # The model's own check: under the district's ratio it reproduces all four placements.
    assert result["own_ratio"] == 1
    assert result["check"]["reproduced"] == result["check"]["actual_placed"] == 4
    history = simulator_history.read(db.session, world.district.id, *_window(simulation))
    assert result["tiers"] == simulator.compare(simulator.actual(history), simulator.replay(history, 0))
    assert result["check"]["tiers"] == simulator.compare(simulator.actual(history), simulator.actual(history))
    assert year["applications"]["P2"].number  # the year was made

    page = department.get(response.headers["Location"])
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Placed, simulated" in text and 'role="img"' in text and "<title" in text
    assert "What the simulation assumes" in text
    assert 'hx-trigger="every 2s"' not in text  # finished: no more polling
    assert "style=" not in text and "<script>" not in text


def test_starting_a_simulation_is_audited_with_the_operator(department, world, operator):
    post(department, LIST, {"rule": "ratio", "k": "5"})
    [simulation] = _simulations()
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "policy.simulation_started")).all()
    data = json.loads(event.data)
    assert data == dict(simulation.params, simulation_id=simulation.id, district_id=world.district.id)
    assert data["rule"] == "ratio" and data["k"] == 5
    assert event.actor_role == "department"
    assert event.private_digest == audit.private_digest(Actor.of(operator), None, salt=event.private_salt)


def test_a_running_simulation_shows_its_progress_and_polls_for_it(department, world):
    simulation = _made(world, status="running", progress=40, result=None)
    path = f"/department/simulations/{simulation.id}"

    page = department.get(path).get_data(as_text=True)
    assert 'hx-trigger="every 2s"' in page and f'hx-get="{path}"' in page
    assert f'<a href="{path}">Refresh</a>' in page  # without JavaScript
    assert 'value="40"' in page

    partial = department.get(path, headers={"HX-Request": "true"})
    assert partial.get_data(as_text=True).lstrip().startswith('<section id="simulation"')
    assert "HX-Request" in partial.headers["Vary"]
    assert "<html" not in partial.get_data(as_text=True)


def test_a_failing_replay_marks_the_simulation_failed_with_the_error(department, world, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the history could not be replayed")

    monkeypatch.setattr(simulator, "replay", broken)
    response = post(department, LIST, {"rule": "ratio", "k": "2"})
    [simulation] = _simulations()
    assert response.status_code == 303
    assert simulation.status == "failed" and simulation.finished_at is not None
    assert simulation.error == "RuntimeError: the history could not be replayed"
    page = department.get(f"/department/simulations/{simulation.id}").get_data(as_text=True)
    assert "The simulation failed" in page and "the history could not be replayed" in page


def test_the_list_shows_the_districts_simulations_with_their_status(department, world):
    done, running = _made(world), _made(world, status="running", progress=25)
    text = department.get(LIST).get_data(as_text=True)
    for simulation in (done, running):
        assert f'href="/department/simulations/{simulation.id}"' in text
    assert "priority ratio k = 2" in text and "running" in text and "25 %" in text


# --- wrong input ----------------------------------------------------------------------------------

@pytest.mark.parametrize("data, message", [
    ({"rule": "ratio", "k": "11"}, "from 0 to 10"),
    ({"rule": "ratio", "k": "-1"}, "from 0 to 10"),
    ({"rule": "ratio", "k": "two"}, "Not a valid integer value"),
    ({"rule": "ratio", "k": ""}, "Enter the ratio to try"),
    ({"rule": "lottery", "k": "2"}, "Not a valid choice"),
])
def test_wrong_input_is_422_with_a_message_and_starts_nothing(department, world, data, message):
    response = post(department, LIST, data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _simulations() == []
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "policy.simulation_started")) == 0


def test_a_post_without_the_csrf_token_is_refused(department, world):
    response = department.post(LIST, data={"rule": "strict"})
    assert response.status_code == 400
    assert _simulations() == []


def test_a_double_submit_starts_two_harmless_replays(department, world):
    before = db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.application.is_not(None)))
    for _ in range(2):
        assert post(department, LIST, {"rule": "strict"}).status_code == 303
    assert [s.status for s in _simulations()] == ["done", "done"]
    # A replay changes nothing in the queue: no application event was written.
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.application.is_not(None))) == before


# --- who may ---------------------------------------------------------------------------------------

ROUTES = [("get", LIST), ("post", LIST), ("get", "/department/simulations/{id}")]


def _request(client, method, path, simulation):
    """The request with a valid CSRF token, so that only the access rule can refuse it."""
    path = path.format(id=simulation.id)
    if method == "post":
        return client.post(path, data={"rule": "strict", "csrf_token": _token(client)})
    return client.get(path)


def _token(client) -> str:
    """A token from a page with a form: the log-in page, or the account page once logged in."""
    logged_in = client.get("/account/log-in").status_code != 200
    return csrf_token(client, "/account" if logged_in else "/account/log-in")


@pytest.mark.parametrize("method, path", ROUTES)
def test_anonymous_visitors_are_sent_to_log_in(client, world, method, path):
    simulation = _made(world)
    response = _request(client, method, path, simulation)
    assert response.status_code in (302, 303)
    assert "/account/log-in" in response.headers["Location"]


@pytest.mark.parametrize("method, path", ROUTES)
@pytest.mark.parametrize("who", ["parent", "staff"])
def test_parents_and_staff_are_refused(client, world, factory, who, method, path):
    simulation = _made(world)
    user = world.parent if who == "parent" else factory.staff(world.kindergarten)[0]
    factory.commit()
    assert log_in(client, user.phone).status_code == 303
    assert _request(client, method, path, simulation).status_code == 403
    assert [s.id for s in _simulations()] == [simulation.id]


@pytest.mark.parametrize("method, path", ROUTES)
def test_another_districts_operator_never_sees_this_districts_simulations(client, world, stranger, method, path):
    simulation = _made(world, result={"marker": "ours"})
    assert log_in(client, stranger.phone).status_code == 303
    response = _request(client, method, path, simulation)
    if method == "get" and path == LIST:
        assert response.status_code == 200
        assert f"/department/simulations/{simulation.id}" not in response.get_data(as_text=True)
    elif method == "post":  # a simulation of the stranger's own district, never of ours
        assert response.status_code == 303
        ours, theirs = _simulations()
        assert ours.id == simulation.id and theirs.district_id == stranger.district_id
    else:
        assert response.status_code == 404


def _window(simulation):
    from datetime import datetime

    return [datetime.fromisoformat(simulation.params[key].replace("Z", "+00:00")) for key in ("start", "end")]


def test_the_job_commits_its_progress_as_it_goes(world, factory, operator, monkeypatch):
    from webapp.services import simulations

    _year(world, factory)
    seen = []
    real_progress = simulations._progress

    def watched(session, simulation, percent):
        real_progress(session, simulation, percent)
        # Read back through another connection: what the page would show now.
        with db.engine.connect() as other:
            seen.append(other.scalar(select(PolicySimulation.progress).where(PolicySimulation.id == simulation.id)))

    monkeypatch.setattr(simulations, "_progress", watched)
    simulation = simulations.start(db.session, Actor.of(operator), "ratio", 0, clock.now())
    db.session.info.pop("tasks_pending", None)  # run below, by hand, instead of after the commit
    db.session.commit()
    assert simulations.run(db.session, simulation.id) == "done"
    assert len(seen) >= 10 and seen == sorted(seen) and 10 <= seen[0] and seen[-1] < 100
    assert db.session.get(PolicySimulation, simulation.id).progress == 100
    assert simulations.run(db.session, simulation.id) == "no change"  # a repeated job changes nothing
