"""Until the lead registers them, the test apps get this issue's blueprints the way create_app will.

Harmless once app/__init__.py and app/web/__init__.py register them: nothing is registered twice.
"""
from __future__ import annotations

import importlib
import importlib.util

import app as app_package
from app import web

API_MODULES = ("app.stats.routes", "app.outreach.routes")
PAGE_MODULES = ("app.stats.pages", "app.outreach.pages")


def install() -> None:
    if getattr(app_package, "_issue6_wired", False):
        return
    app_package._issue6_wired = True
    web.PAGE_MODULES = (*web.PAGE_MODULES, *(m for m in PAGE_MODULES if m not in web.PAGE_MODULES))
    original = app_package._register_blueprints

    def register(flask_app) -> None:
        original(flask_app)
        from app.api import api
        from app.web.extensions import csrf

        for name in API_MODULES:
            if importlib.util.find_spec(name) is None:
                continue
            blueprint = importlib.import_module(name).blp
            if blueprint.name not in flask_app.blueprints:
                api.register_blueprint(blueprint)
                csrf.exempt(blueprint)

    app_package._register_blueprints = register
