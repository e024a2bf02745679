"""Server-rendered pages: sign-in, layout, access checks, security headers and HTML error pages.

Pages live beside their concept (``app/<concept>/pages.py``, templates under ``app/templates/<concept>/``);
this package holds what they share.
"""
from __future__ import annotations

import importlib
import importlib.util

from flask import Flask

from app.web import access, extensions, filters, security

# Each concept's pages, registered when the module exists: (module, attribute holding the blueprint).
PAGE_MODULES = ("app.task.pages", "app.case.pages", "app.supervision.pages", "app.audit.pages",
                "app.evaluator.pages", "app.process_model.pages", "app.stats.pages", "app.outreach.pages",
                "app.admin.pages", "app.admin.unit_pages")


def init_app(app: Flask) -> None:
    extensions.init_app(app)
    security.init_app(app)
    filters.init_app(app)
    access.init_app(app)
    from app.web.auth import bp as auth

    app.register_blueprint(auth)
    for name in PAGE_MODULES:
        if _exists(name):
            app.register_blueprint(importlib.import_module(name).bp)


def _exists(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # the parent package is not there either
        return False
