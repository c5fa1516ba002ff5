"""A policy simulation through a real ``python worker.py`` and Redis: the job is queued under its
deterministic id after the commit, and the worker runs the replay and keeps the result."""
import pytest
from rq.job import Job

from webapp import queueing
from webapp.extensions import db
from webapp.models import PolicySimulation
from webapp.services import clock, simulations, tasks
from webapp.services.actors import Actor

pytestmark = pytest.mark.redis


@pytest.fixture
def app_overrides(redis_url):
    return {"REDIS_URL": redis_url}


def test_the_worker_runs_a_simulation_queued_under_its_own_id(app, family, factory, session, workers):
    family.apply(count=2)
    operator, _ = factory.department(family.district)
    factory.bulletin(family.group, places=1)
    tasks.commit(session)
    workers.burst(clock_now=clock.now())  # the distribution: one child invited

    simulation = simulations.start(session, Actor.of(operator), "strict", None, clock.now())
    tasks.commit(session)
    job_id = queueing.simulation_job_id(simulation.id)
    assert job_id == f"simulate-{simulation.id}"
    assert Job.fetch(job_id, connection=queueing.connection(app)).func_name == "webapp.jobs.simulate_policy"
    assert session.get(PolicySimulation, simulation.id).status == "queued"

    workers.burst(clock_now=clock.now())

    db.session.expire_all()
    done = db.session.get(PolicySimulation, simulation.id)
    assert (done.status, done.progress, done.error) == ("done", 100, "")
    assert done.outcome["history"]["invitations"] == done.outcome["history"]["simulated_invitations"] == 1
