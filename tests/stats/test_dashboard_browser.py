"""The dashboard draws its charts and the disclosure board shows a closed month, in headless chromium.

Served from an app and database of its own (the shared browser server's data stays as other tests expect).
"""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from werkzeug.serving import make_server

from app import create_app, migrate
from app.clock import FrozenClock
from app.db import db
from app.stats import snapshot
from tests.conftest import throwaway_database
from tests.fixtures.browser import CHROMIUM, CHROMIUM_ARGS, require_chromium, screenshot, sign_in
from tests.fixtures.world import build_world
from tests.stats.conftest import build_november, local

pytestmark = [pytest.mark.no_transaction, pytest.mark.browser]


def in_browser(base_url: str, steps) -> None:
    """Runs ``steps(page, errors)`` in a chromium of its own, on a thread of its own: Playwright's sync API
    refuses to start beside the one the shared browser tests keep open for the whole session."""
    require_chromium()

    def run() -> None:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            context = browser.new_context(base_url=base_url, locale="zh-CN", timezone_id="Asia/Shanghai",
                                          viewport={"width": 1366, "height": 900})
            page = context.new_page()
            page.set_default_timeout(10_000)
            errors: list[str] = []
            page.on("pageerror", lambda err: errors.append(str(err)))
            page.on("response", lambda r: errors.append(f"{r.status} {r.url}")
                    if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
            try:
                steps(page, errors)
            finally:
                browser.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(run).result()


@pytest.fixture(scope="module")
def stats_live(tmp_path_factory):
    with throwaway_database(tmp_path_factory.mktemp("stats-browser")) as url:
        app = create_app({"ENV": "testing", "DATABASE_URL": url})
        migrate.upgrade(url)
        app.extensions["clock"] = FrozenClock(local(2026, 12, 2, 9, 0))
        with app.app_context():
            world = build_world()
            db.session.commit()
            build_november(world)
            for code in ("A", "A-HR", "A-MKT", "A-HALL"):
                snapshot.close(db.session.merge(world.units[code]), "2026-11", actor="test")
            db.session.commit()
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        yield f"http://127.0.0.1:{server.server_port}"
        server.shutdown()
        app.extensions["db_engine"].dispose()


def test_the_dashboard_draws_trend_levels_and_channels(stats_live):
    in_browser(stats_live, _dashboard)


def _dashboard(page, errors) -> None:
    sign_in(page, "supervisor_a")
    page.goto("/stats/?org_code=A&month=2026-11")
    for chart in ("chart-trend", "chart-levels", "chart-channels"):
        page.wait_for_selector(f"#{chart}[data-drawn='true'] canvas")
    assert page.locator("[data-indicator='participation_rate'] .value").inner_text() == "72.73%"
    page.get_by_role("link", name="甲县人社局").click()
    page.wait_for_selector("#chart-trend[data-drawn='true'] canvas")
    assert page.locator("[data-indicator='finished'] .value").inner_text() == "9"
    screenshot(page, "stats-dashboard")
    assert errors == []


def test_the_public_sees_the_closed_month_without_signing_in(stats_live):
    in_browser(stats_live, _disclosure)


def _disclosure(page, errors) -> None:
    page.goto("/public/disclosure")
    page.get_by_role("link", name="甲县").first.click()
    assert page.locator("[data-indicator='finished'] .value").inner_text() == "11"
    assert page.locator("#units").get_by_text("甲县政务服务大厅").is_visible()
    assert page.locator("#rectified").get_by_text("增开窗口").first.is_visible()
    screenshot(page, "stats-disclosure")
    assert errors == []
