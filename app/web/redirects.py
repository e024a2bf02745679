"""Where a page may send the browser after a form: only paths on this site, never another host or a scheme."""
from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

# Browsers drop tabs and newlines from URLs and read a backslash as a slash, so "/\t/evil" and "/\\evil"
# would leave the site; such characters never appear in the paths this service links to.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f\\]")


def is_same_site_path(target: str) -> bool:
    """Whether ``target`` is a path on this site, read raw and percent-decoded."""
    for form in (target, unquote(target)):
        if not form.startswith("/") or form.startswith("//") or _UNSAFE.search(form):
            return False
        parts = urlsplit(form)
        if parts.scheme or parts.netloc:
            return False
    return True


def same_site_or(target: str | None, fallback: str) -> str:
    """``target`` when it stays on this site, else ``fallback``."""
    return target if target and is_same_site_path(target) else fallback
