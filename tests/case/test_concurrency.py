"""Two people completing one task, and two schedulers firing one timer, on a real (committed) database."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from app import create_app, migrate
from app.case.jobs import fire_due_timers
from app.clock import FrozenClock
from app.db import db
from app.notification.models import Notification
from app.task.models import CaseTask, TaskState
from tests.conftest import throwaway_database
from tests.fixtures.lifecycle import local
from tests.fixtures.world import build_world

pytestmark = pytest.mark.no_transaction


@pytest.fixture(scope="module")
def shared_app(tmp_path_factory):
    with throwaway_database(tmp_path_factory.mktemp("concurrency")) as url:
        app = create_app({"ENV": "testing", "DATABASE_URL": url})
        migrate.upgrade(url)
        app.extensions["clock"] = FrozenClock(local(2026, 11, 16, 9, 0))
        with app.app_context():
            world = build_world()
            db.session.commit()
        yield app, world
        app.extensions["db_engine"].dispose()


def _open_rectifying_case(app, world):
    from datetime import timedelta

    from app.evaluation import service as evaluation_service
    from app.service_case.models import ServiceCase
    from app.user.principal import Principal
    from app.user.service import get_by_username
    from tests.fixtures.lifecycle import CaseDriver

    clock = app.extensions["clock"]
    clock.set(local(2026, 11, 16, 9, 0))
    with app.app_context():
        number = db.session.scalar(select(func.count()).select_from(ServiceCase)) + 1
        case = ServiceCase(case_no=f"CC-{number}", item_id=world.items["ITEM-HR-1"].id,
                           org_unit_id=world.units["A-HR"].id, channel="window", applicant_kind="natural_person",
                           applicant_name="赵六", accepted_at=clock.now() - timedelta(hours=3),
                           finished_at=clock.now() - timedelta(hours=2), created_at=clock.now())
        db.session.add(case)
        db.session.flush()
        evaluation = evaluation_service.create(
            {"service_case_no": case.case_no, "level": 2, "channel": "sms", "real_name": False,
             "evaluated_at": clock.now()}, principal=Principal.for_user(get_by_username("client_c")))
        db.session.commit()
        driver = CaseDriver(app.test_client(), world, evaluation.bad_review_case.id)
        driver.accept_and_classify("general")
        return driver.case_id


def _open_task_id(app, case_id, bpmn_id):
    with app.app_context():
        return db.session.scalar(select(CaseTask.id).where(CaseTask.case_id == case_id, CaseTask.bpmn_id == bpmn_id,
                                                           CaseTask.state == TaskState.open))


def test_two_simultaneous_completions_of_one_task_give_one_success_and_one_409(shared_app):
    app, world = shared_app
    case_id = _open_rectifying_case(app, world)
    task_id = _open_task_id(app, case_id, "rectify")
    barrier = threading.Barrier(2)

    def complete(who):
        client = app.test_client()
        barrier.wait()
        return client.post(f"/api/v1/tasks/{task_id}/complete", headers=world.headers(who),
                           json={"data": {"measures": f"{who} 的措施", "result": "完成", "action": "done"}}).status_code

    with ThreadPoolExecutor(2) as pool:
        codes = sorted(pool.map(complete, ["handler_a", "lead_a"]))
    assert codes == [200, 409]
    with app.app_context():
        feedback = db.session.scalars(select(CaseTask).where(CaseTask.case_id == case_id,
                                                             CaseTask.bpmn_id == "feedback")).all()
        assert len(feedback) == 1


def test_two_schedulers_fire_each_timer_once(shared_app):
    app, world = shared_app
    case_ids = [_open_rectifying_case(app, world) for _ in range(3)]
    app.extensions["clock"].set(local(2026, 11, 24, 9, 0))
    barrier = threading.Barrier(2)

    def scheduler():
        with app.app_context():
            barrier.wait()
            try:
                return fire_due_timers()
            finally:
                db.session.remove()

    with ThreadPoolExecutor(2) as pool:
        fired = list(pool.map(lambda _: scheduler(), range(2)))
    assert sum(fired) == len(case_ids)
    with app.app_context():
        for case_id in case_ids:
            reminders = db.session.scalar(select(func.count()).select_from(Notification)
                                          .where(Notification.case_id == case_id))
            supervise = db.session.scalar(select(func.count()).select_from(CaseTask).where(
                CaseTask.case_id == case_id, CaseTask.bpmn_id == "supervise"))
            assert (reminders, supervise) == (1, 1)
