"""The data the write-path benchmark works on, and how many open cases are made fast.

The org tree and accounts are the test suite's world (``tests/fixtures/world.py``) plus eight departments
to spread cases over. Three template cases go through the real path (HTTP API, engine, audit): one at
签收 (sign_for), one at 整改 (rectify, with its reminder and deadline timers) and one at 整改 received 30 days
earlier (its timers are due when the clock is back at "now"). Open cases are then copied from a template
set-wise: the template's service case and every row that hangs off it by foreign key (evaluation, case,
tasks, timers, and whatever tables later versions add) are read once and inserted again with new ids,
fresh unique numbers and the responsible department changed, one Core ``executemany`` per table. The
engine state is copied as it is (the start state of one model version is the same for every case), with the
case number, case id and department code in it replaced. Audit events are not copied.

Departments get shares of the cases so that ``handler_a`` (甲县人社局) sees about 30 % of the open tasks and
``handler_b`` (乙县人社局) about 1 %.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import Integer, MetaData, String, Text, func, inspect, or_, select, text

from app.db import db
from app.org import service as org_service
from app.org.models import OrgLevel
from app.service_case.models import ServiceItem
from tests.fixtures.world import World, build_world

# (code, name, parent, share of the open cases)
DEPARTMENTS = (
    ("A-HR", "甲县人社局", "A", 0.30),
    ("B-HR", "乙县人社局", "B", 0.01),
    ("A-MKT", "甲县市场监管局", "A", 0.09),
    *((f"D{i}", f"{'甲乙'[i % 2]}县第{i}局", "AB"[i % 2], 0.075) for i in range(1, 9)),
)
TEMPLATE_ORG = "A-HR"
COPY_CHUNK = 1000  # copies per statement batch
SKIPPED_TABLES = frozenset({"audit_event"})


def build(app) -> World:
    """The suite's world plus the departments above, each with an item; committed."""
    with app.app_context():
        world = build_world()
        for code, name, parent, _share in DEPARTMENTS:
            if code not in world.units:
                world.units[code] = org_service.create(code=code, name=name, level=OrgLevel.department,
                                                       parent=world.units[parent])
        db.session.flush()
        for code, *_ in DEPARTMENTS:
            item = ServiceItem(code=f"ITEM-{code}", name=f"{code} 事项", department_id=world.units[code].id)
            db.session.add(item)
        db.session.commit()
        world.orgs = {code: (unit.id, unit.path) for code, unit in world.units.items()}
    return world


def spread(count: int) -> dict[str, int]:
    """How many of ``count`` cases each department gets (largest remainder, so they add up)."""
    exact = {code: count * share for code, *_rest, share in DEPARTMENTS}
    shares = {code: int(value) for code, value in exact.items()}
    by_remainder = sorted(exact, key=lambda c: exact[c] - shares[c], reverse=True)
    for code in by_remainder[:count - sum(shares.values())]:
        shares[code] += 1
    return shares


@dataclass
class Template:
    """A case's rows, by table, read once; ``order`` lists the tables parents first."""

    root_id: int
    rows: dict[str, list[dict]]
    order: list[str]
    strings: list[str] = field(default_factory=list)  # unique strings copies change (also in the state text)


class CaseCopier:
    """Copies a service case and everything that references it, down the foreign keys."""

    def __init__(self, engine):
        self.engine = engine
        self.meta = MetaData()
        self.meta.reflect(engine)
        inspector = inspect(engine)
        self.unique = {name: _unique_sets(inspector, name) for name in self.meta.tables}
        self.serial = 0

    def template(self, service_case_no: str) -> Template:
        root = self.meta.tables["service_case"]
        with self.engine.connect() as conn:
            root_id = conn.scalar(select(root.c.id).where(root.c.case_no == service_case_no))
            rows = {"service_case": [dict(r) for r in conn.execute(select(root).where(root.c.id == root_id))
                                     .mappings()]}
            order = ["service_case"]
            for table in self._descendants(rows):
                links = [fk.parent.in_([r[fk.column.name] for r in rows[fk.column.table.name]])
                         for fk in table.foreign_keys if fk.column.table.name in rows]
                rows[table.name] = [dict(r) for r in conn.execute(select(table).where(or_(*links))).mappings()]
                order.append(table.name)
        strings = [row[c] for name in order for c in self._free_unique_columns(self.meta.tables[name])
                   for row in rows[name] if isinstance(row[c], str)]
        return Template(root_id, rows, order, strings)

    def _descendants(self, rows: dict):
        """Tables referencing an already collected table, parents first (yielded as they are collected)."""
        for table in self.meta.sorted_tables:
            if table.name in rows or table.name in SKIPPED_TABLES:
                continue
            if any(fk.column.table.name in rows and fk.column.table is not table for fk in table.foreign_keys):
                yield table

    def copy(self, template: Template, count: int, *, org: tuple[int, str, str],
             template_org: tuple[int, str, str]) -> list[int]:
        """Inserts ``count`` copies of the template in chunks, each chunk one transaction; returns the ids of
        the copied service cases."""
        ids: list[int] = []
        while len(ids) < count:
            chunk = min(COPY_CHUNK, count - len(ids))
            with self.engine.begin() as conn:
                ids += self._copy_chunk(conn, template, chunk, org, template_org)
        return ids

    def _copy_chunk(self, conn, template: Template, count: int, org, template_org) -> list[int]:
        bases = {name: self._next_id(conn, name) for name in template.order if template.rows[name]}
        for name in template.order:
            rows = template.rows[name]
            if not rows:
                continue
            table = self.meta.tables[name]
            out = [self._copied_row(table, row, k, template, bases, org, template_org)
                   for k in range(count) for row in rows]
            conn.execute(table.insert(), out)
        self.serial += count
        return [bases["service_case"] + k for k in range(count)]

    def _copied_row(self, table, row: dict, k: int, template: Template, bases: dict, org, template_org) -> dict:
        new = self._with_new_keys(table, row, k, template, bases, org, template_org)
        suffix = f"-{self.serial + k}"
        for column in self._free_unique_columns(table):
            if isinstance(row[column], str):
                new[column] = _suffixed(table, column, row[column], suffix)
        for column, value in row.items():
            if isinstance(value, str) and value == template_org[1]:
                new[column] = org[1]
            elif isinstance(value, str) and len(value) > 200 and value.startswith("{"):
                new[column] = self._rewritten_state(value, template, suffix, k, bases, org, template_org)
        return new

    def _with_new_keys(self, table, row: dict, k: int, template: Template, bases: dict, org, template_org) -> dict:
        """The row with its own id and its references to copied rows renewed, and the department changed."""
        new = dict(row)
        pk = _integer_pk(table)
        if pk is not None:
            new[pk] = self._new_id(template, table.name, row[pk], k, bases)
        for fk in table.foreign_keys:
            column, target = fk.parent.name, fk.column.table.name
            if row[column] is None:
                continue
            if target in template.rows:
                new[column] = self._new_id(template, target, row[column], k, bases)
            elif target == "org_unit" and row[column] == template_org[0]:
                new[column] = org[0]
        return new

    def _free_unique_columns(self, table) -> set[str]:
        """Columns of unique constraints that copying does not already make unique (no id or foreign key)."""
        keyed = {_integer_pk(table), *_fk_columns(table)}
        return {c for columns in self.unique[table.name] if not keyed & set(columns) for c in columns}

    def _rewritten_state(self, value: str, template: Template, suffix: str, k, bases, org, template_org) -> str:
        """Case number, service case number, case id and department code inside JSON text (the engine state)."""
        for old in template.strings:
            value = value.replace(f'"{old}"', f'"{old}{suffix}"')
        value = value.replace(f'"{template_org[2]}"', f'"{org[2]}"')
        for case in template.rows.get("bad_review_case") or []:
            fresh = self._new_id(template, "bad_review_case", case["id"], k, bases)
            value = re.sub(rf'"case_id":\s*{case["id"]}(?=[,}}])', f'"case_id":{fresh}', value)
        return value

    def _new_id(self, template: Template, table: str, old: int, k: int, bases: dict) -> int:
        rows = template.rows[table]
        pk = _integer_pk(self.meta.tables[table])
        index = next(i for i, r in enumerate(rows) if r[pk] == old)
        return bases[table] + k * len(rows) + index

    def _next_id(self, conn, name: str) -> int:
        pk = _integer_pk(self.meta.tables[name])
        if pk is None:
            return 0
        return (conn.scalar(select(func.max(self.meta.tables[name].c[pk]))) or 0) + 1

    def fix_sequences(self) -> None:
        """PostgreSQL: move each id sequence past the copied ids."""
        if self.engine.dialect.name != "postgresql":
            return
        with self.engine.begin() as conn:
            for name, table in self.meta.tables.items():
                pk = _integer_pk(table)
                if pk is None:
                    continue
                conn.execute(text(
                    f"SELECT setval(seq, (SELECT coalesce(max({pk}), 0) + 1 FROM {name}), false) "
                    f"FROM (SELECT pg_get_serial_sequence('{name}', '{pk}') AS seq) s WHERE seq IS NOT NULL"))


def _integer_pk(table) -> str | None:
    columns = list(table.primary_key.columns)
    if len(columns) == 1 and isinstance(columns[0].type, Integer):
        return columns[0].name
    return None


def _fk_columns(table) -> set[str]:
    return {fk.parent.name for fk in table.foreign_keys}


def _unique_sets(inspector, name: str) -> list[tuple[str, ...]]:
    sets = [tuple(u["column_names"]) for u in inspector.get_unique_constraints(name)]
    sets += [tuple(i["column_names"]) for i in inspector.get_indexes(name) if i.get("unique")]
    return [s for s in sets if s and all(s)]


def _suffixed(table, column: str, value: str, suffix: str) -> str:
    kind = table.c[column].type
    limit = getattr(kind, "length", None) if isinstance(kind, String | Text) else None
    fresh = value + suffix
    if limit and len(fresh) > limit:
        raise ValueError(f"{table.name}.{column}: {fresh!r} is longer than {limit}")
    return fresh
