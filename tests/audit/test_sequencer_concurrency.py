"""Writers and sequencers at the same time, on a real (committed) database: writers never wait for the chain,
and two sequencers racing each other never fork it."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from app import audit, create_app, migrate
from app.audit.models import AuditCheckpoint, AuditEvent
from app.audit.sequencer import seal_pending
from app.clock import FrozenClock
from app.db import db
from tests.conftest import TEST_NOW, throwaway_database

pytestmark = pytest.mark.no_transaction

WRITERS, TRANSACTIONS, EVENTS_PER_TRANSACTION = 4, 10, 5


@pytest.fixture(scope="module")
def shared_app(tmp_path_factory):
    with throwaway_database(tmp_path_factory.mktemp("sequencer")) as url:
        app = create_app({"ENV": "testing", "DATABASE_URL": url})
        migrate.upgrade(url)
        app.extensions["clock"] = FrozenClock(TEST_NOW)
        yield app
        app.extensions["db_engine"].dispose()


def _writer(app, number: int, start: threading.Barrier) -> None:
    start.wait()
    for t in range(TRANSACTIONS):
        with app.app_context():
            for e in range(EVENTS_PER_TRANSACTION):
                audit.record(actor=f"writer-{number}", action="thing", subject_type="case", subject_id=t,
                             payload={"e": e})
            db.session.commit()


def _sequencer(app, start: threading.Barrier, writers_done: threading.Event, errors: list) -> None:
    start.wait()
    while True:
        finished = writers_done.is_set()  # read before sealing: a last pass after the writers have committed
        with app.app_context():
            try:
                made = seal_pending(batch=7)
                db.session.commit()
            except Exception as err:  # a fork would surface here as a unique violation
                errors.append(err)
                return
        if made is None and finished:
            return


def test_two_sequencers_racing_each_other_seal_one_unbroken_chain(shared_app):
    app, errors = shared_app, []
    start, writers_done = threading.Barrier(WRITERS + 2), threading.Event()
    writers = [threading.Thread(target=_writer, args=(app, n, start)) for n in range(WRITERS)]
    sequencers = [threading.Thread(target=_sequencer, args=(app, start, writers_done, errors)) for _ in range(2)]
    for thread in writers + sequencers:
        thread.start()
    for thread in writers:
        thread.join()
    writers_done.set()
    for thread in sequencers:
        thread.join()
    assert errors == []
    total = WRITERS * TRANSACTIONS * EVENTS_PER_TRANSACTION
    with app.app_context():
        assert db.session.scalars(select(AuditEvent.seq).order_by(AuditEvent.seq)).all() == list(range(1, total + 1))
        sizes = db.session.scalars(select(AuditCheckpoint.tree_size).order_by(AuditCheckpoint.batch)).all()
        assert sum(sizes) == total and max(sizes) <= 7
        report = audit.verify_chain()
        assert report.ok and report.checked == total and report.unsealed == 0
        # each writer's events keep their own order in the chain (one writer commits one transaction at a time)
        for n in range(WRITERS):
            ids = db.session.scalars(select(AuditEvent.id).where(AuditEvent.actor == f"writer-{n}")
                                     .order_by(AuditEvent.seq)).all()
            assert ids == sorted(ids)
