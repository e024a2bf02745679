"""好差评 bad-review case management service. The packages and their layers: app/README.md."""
from __future__ import annotations

import logging

from flask import Flask


def create_app(config_overrides: dict | None = None) -> Flask:
    app = Flask(__name__)
    from app import settings

    settings.load(app, config_overrides)
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    _init_extensions(app)
    _register_blueprints(app)
    return app


def _init_extensions(app: Flask) -> None:
    from app import api, calendar, clock, input_rules, privacy, request_limits, web
    from app.db import db

    logging.basicConfig(level=app.config.get("LOG_LEVEL", "INFO"))
    # The engine logs every task state change at INFO; keep its warnings only.
    logging.getLogger("spiff").setLevel(logging.WARNING)
    request_limits.init_app(app)  # first: nothing may read a body before its size is checked
    input_rules.init_app(app)
    clock.init_app(app)
    privacy.init_app(app)
    db.init_app(app)
    calendar.init_app(app)
    from app import policy

    policy.init_app(app)
    api.init_app(app)
    web.init_app(app)


def _register_blueprints(app: Flask) -> None:
    """Every blueprint of the app, registered here and only here: a missing module is an import error."""
    from app.api import api
    from app.web.extensions import csrf

    for blueprint in _api_blueprints():
        api.register_blueprint(blueprint)
        csrf.exempt(blueprint)  # bearer-token API: no cookies, no CSRF
    for blueprint in _page_blueprints():
        app.register_blueprint(blueprint)


def _api_blueprints() -> list:
    """The JSON API under /api/v1 (flask-smorest, documented in the OpenAPI file)."""
    from app.case.routes import blp as cases
    from app.evaluation.routes import blp as evaluations
    from app.outreach.routes import blp as outreach
    from app.process_model.routes import blp as models
    from app.service_case.routes import blp as service_cases
    from app.stats.routes import blp as stats
    from app.task.routes import blp as tasks

    return [service_cases, evaluations, tasks, cases, models, stats, outreach]


def _page_blueprints() -> list:
    """The health check and the server-rendered pages, each beside its concept."""
    from app.admin.operations import bp as operations
    from app.admin.pages import bp as accounts
    from app.admin.unit_pages import bp as units
    from app.audit.pages import bp as audit
    from app.case.pages import bp as case_pages
    from app.evaluator.pages import bp as evaluator
    from app.outreach.pages import bp as outreach
    from app.process_model.pages import bp as models
    from app.stats.pages import bp as stats
    from app.supervision.pages import bp as supervision
    from app.system.routes import bp as system
    from app.task.pages import bp as task_pages
    from app.web.auth import bp as auth

    return [system, auth, task_pages, case_pages, supervision, audit, evaluator, models, stats, outreach,
            accounts, units, operations]
