"""The background worker: ``python worker.py`` (see docs/deployment.md).

An RQ worker on Kezek's queue with the built-in scheduler, so jobs scheduled at deadlines and the
5-minute tick fire without a separate process. Run several for throughput and redundancy: only one
of them schedules at a time (RQ holds a lock), any of them works.

Each job runs in a forked work horse (a crashed job cannot take the worker down) inside an app
context. Database connections never cross the fork: the horse drops the pool it inherited and
opens its own. ``--simple`` runs jobs in the worker process itself (no fork), for debugging.
"""
import argparse
import logging
import sys

from redis import Redis
from rq import SimpleWorker, Worker

from webapp import create_app, queueing
from webapp.extensions import db

log = logging.getLogger("worker")


class AppContextMixin:
    app = None  # set by main()
    keeps_ticking = True  # burst runs (tests, catch-up) do not start the periodic chain

    def perform_job(self, job, queue, execution):
        with self.app.app_context():
            try:
                return super().perform_job(job, queue, execution)
            finally:
                db.session.remove()

    def run_maintenance_tasks(self):
        super().run_maintenance_tasks()
        if not self.keeps_ticking:
            return
        try:
            queueing.ensure_next_tick(self.app)  # mends the tick chain if Redis lost it
        except Exception:  # noqa: BLE001 - maintenance must not kill the worker
            log.exception("could not ensure the next tick")


class KezekWorker(AppContextMixin, Worker):
    def main_work_horse(self, job, queue):
        with self.app.app_context():
            db.engine.dispose(close=False)  # the parent's pooled connections stay the parent's
        super().main_work_horse(job, queue)


class KezekSimpleWorker(AppContextMixin, SimpleWorker):
    pass


def parse(argv):
    parser = argparse.ArgumentParser(description="Kezek background worker (RQ with scheduler).")
    parser.add_argument("--burst", action="store_true", help="Quit when the queue is empty.")
    parser.add_argument("--simple", action="store_true", help="Run jobs in this process (no fork).")
    parser.add_argument("--name", help="Worker name (default: RQ's).")
    parser.add_argument("--max-jobs", type=int, help="Quit after this many jobs.")
    parser.add_argument("--log-level", default="INFO")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse(argv)
    app = create_app()
    url = app.config["REDIS_URL"]
    if not url:
        print("REDIS_URL is not set: without Redis, jobs run inline in the web process.", file=sys.stderr)
        return 2
    worker_class = KezekSimpleWorker if args.simple else KezekWorker
    worker_class.app, worker_class.keeps_ticking = app, not args.burst
    if not args.burst:
        queueing.ensure_next_tick(app)
    worker = worker_class([queueing.QUEUE_NAME], connection=Redis.from_url(url), name=args.name)
    worker.work(burst=args.burst, with_scheduler=True, logging_level=args.log_level, max_jobs=args.max_jobs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
