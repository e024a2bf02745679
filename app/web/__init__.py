"""Server-rendered pages: sign-in, layout, access checks, security headers and HTML error pages.

Pages live beside their concept (``app/<concept>/pages.py``, templates under ``app/templates/<concept>/``);
this package holds what they share. Every blueprint is registered in one list, in ``app/__init__.py``.
"""
from __future__ import annotations

from flask import Flask

from app.web import access, extensions, filters, security


def init_app(app: Flask) -> None:
    extensions.init_app(app)
    security.init_app(app)
    filters.init_app(app)
    access.init_app(app)
