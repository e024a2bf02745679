"""Page numbers of long lists, and links to the neighbouring pages that keep the current filters."""
from __future__ import annotations

import math

from flask import request, url_for

MAX_PAGE = 1_000_000


def page_number(value: str | None) -> int:
    """The requested page; anything that is not a positive number means the first page."""
    return max(1, min(int(value), MAX_PAGE)) if value and value.isdigit() else 1


def pager(page: int, total: int, per_page: int, param: str = "page") -> dict:
    """The page position and links to its neighbours, keeping every other query argument."""
    pages = max(1, math.ceil(total / per_page))

    def link(number: int) -> str:
        args = request.args.to_dict(flat=False)
        args[param] = [str(number)]
        return url_for(request.endpoint, **(request.view_args or {}), **args)

    return {"page": page, "pages": pages, "total": total,
            "prev_url": link(page - 1) if page > 1 else None, "next_url": link(page + 1) if page < pages else None}
