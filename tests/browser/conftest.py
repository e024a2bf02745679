"""Browser tests: the real app served on a local port, driven by Playwright in Debian's chromium.

The server runs on its own database (committed data, no per-test rollback) with the small org tree of
tests/fixtures/world.py and a frozen clock. Screenshots go to tests/artifacts/ (ignored by git).
Without /usr/bin/chromium the tests are skipped, unless HCP_REQUIRE_BROWSER=1 (CI) makes that a failure.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app import create_app, migrate
from app.clock import FrozenClock
from app.db import db
from tests.conftest import TEST_NOW, throwaway_database
from tests.fixtures.world import PASSWORD, build_world

CHROMIUM = os.environ.get("HCP_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.no_transaction)
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def live(tmp_path_factory):
    """(base_url, app, world): the server with committed demo-sized data."""
    with throwaway_database(tmp_path_factory.mktemp("browser")) as url:
        app = create_app({"ENV": "testing", "DATABASE_URL": url})
        migrate.upgrade(url)
        app.extensions["clock"] = FrozenClock(TEST_NOW)
        with app.app_context():
            world = build_world()
            db.session.commit()
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield f"http://127.0.0.1:{server.server_port}", app, world
        server.shutdown()
        app.extensions["db_engine"].dispose()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("HCP_REQUIRE_BROWSER") == "1":
            pytest.fail(f"chromium not found at {CHROMIUM}")
        pytest.skip(f"chromium not found at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live):
    context = browser.new_context(base_url=live[0], locale="zh-CN", timezone_id="Asia/Shanghai",
                                  viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def phone(browser, live):
    context = browser.new_context(base_url=live[0], locale="zh-CN", viewport={"width": 375, "height": 740},
                                  is_mobile=True, has_touch=True, device_scale_factor=2)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def sign_in(page, username: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
