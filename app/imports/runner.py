"""Loading a file in chunks: each chunk's rows are checked with the API schema and written set-wise with their
audit records, the run's progress and the chunk's rejected rows, for the command to commit together. An
interrupted load leaves its run at the last committed row; loading the same file again continues after it."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from marshmallow import ValidationError as SchemaError
from sqlalchemy import insert, select

from app import audit
from app.clock import now
from app.db import db
from app.imports import messages
from app.imports.cells import CellReader
from app.imports.kinds import Kind, RowOutcome
from app.imports.models import ImportRowError, ImportRun, ImportStatus
from app.imports.reader import JsonLinesReader, SourceRow, TableReader, header_names
from app.user.principal import Principal

CHUNK_ROWS = 2000


@dataclass(frozen=True)
class Summary:
    run_id: int
    read: int
    added: int
    present: int
    rejected: int


def open_reader(path: Path, fmt: str, kind: Kind, sheet: str | None = None) -> TableReader | JsonLinesReader:
    if fmt == "jsonl":
        return JsonLinesReader(path)
    schema = kind.schema()
    suggest = {}
    for label, name in kind.headers.items():
        suggest.setdefault(name, label)
    return TableReader(path, fmt, names=header_names(list(schema.fields), kind.headers),
                       required=[n for n, f in schema.fields.items() if f.required], suggest=suggest, sheet=sheet)


def find_unfinished(kind: Kind, sha256: str) -> ImportRun | None:
    """The load of this very file that was interrupted, if any."""
    return db.session.scalars(
        select(ImportRun).where(ImportRun.kind == kind.name, ImportRun.file_sha256 == sha256,
                                ImportRun.status == ImportStatus.running).order_by(ImportRun.id.desc())).first()


def start(kind: Kind, *, path: Path, sha256: str, principal: Principal) -> tuple[ImportRun, bool]:
    """Continues the interrupted load of this file (True), or starts a new one (False); audited."""
    run = find_unfinished(kind, sha256)
    moment = now()
    if run is None:
        run = ImportRun(kind=kind.name, file_name=path.name[:255], file_sha256=sha256, actor=principal.label,
                        status=ImportStatus.running, last_row=0, rows_read=0, rows_added=0, rows_present=0,
                        rows_rejected=0, started_at=moment, updated_at=moment)
        db.session.add(run)
        db.session.flush()
        action, payload = "import.started", {"kind": str(kind.name), "file": run.file_name, "sha256": sha256}
    else:
        action, payload = "import.resumed", {"kind": str(kind.name), "file": run.file_name, "after_row": run.last_row}
    audit.record(actor=principal.label, action=action, subject_type="import_run", subject_id=run.id, payload=payload)
    return run, action == "import.resumed"


class Loader:
    """One import: the rows after the run's last committed row, chunk by chunk."""

    def __init__(self, run: ImportRun, kind: Kind, reader, principal: Principal, *, chunk_rows: int = CHUNK_ROWS):
        self.run, self.kind, self.reader, self.principal = run, kind, reader, principal
        self.chunk_rows = chunk_rows
        self.schema = kind.schema()
        self.cells = CellReader(self.schema, kind.labels) if reader.columns is not None else None
        self.labels = reader.columns.labels if reader.columns is not None else {}

    def chunks(self) -> Iterator[list[SourceRow]]:
        rows = (row for row in self.reader.rows() if row.number > self.run.last_row)
        while chunk := list(islice(rows, self.chunk_rows)):
            yield chunk

    def write(self, chunk: list[SourceRow]) -> None:
        """Checks and writes one chunk, its rejected rows and the run's new position (flushed, not committed)."""
        checked = [(row, *self._check(row)) for row in chunk]
        valid = [(row, data) for row, data, _ in checked if data is not None]
        outcomes = dict(zip((row.number for row, _ in valid),
                            self.kind.load([data for _, data in valid], self.principal), strict=True))
        errors, counts = [], {"added": 0, "present": 0, "rejected": 0}
        for row, data, problems in checked:
            outcome = outcomes.get(row.number) or RowOutcome("rejected")
            counts[outcome.status] += 1
            pairs = problems if data is None else messages.flatten(outcome.errors or {})
            if outcome.status == "rejected" and not pairs:
                pairs = [("", "无法导入该行")]
            errors += [{"run_id": self.run.id, "row_no": row.number, "field": self.labels.get(f, f), "message": m}
                       for f, m in pairs]
        if errors:
            db.session.execute(insert(ImportRowError), errors)
        self._advance(chunk[-1].number, len(chunk), counts)

    def _check(self, row: SourceRow) -> tuple[dict | None, list[tuple[str, str]]]:
        """The row as the schema loads it, or why it cannot be loaded."""
        if row.values is None:
            return None, [("", row.problem or "无法读取该行")]
        values = self.cells.values(row.values) if self.cells else row.values
        try:
            return self.schema.load(values), []
        except SchemaError as err:
            return None, messages.flatten(err.messages)

    def _advance(self, last_row: int, read: int, counts: dict[str, int]) -> None:
        run = self.run
        run.last_row, run.rows_read, run.updated_at = last_row, run.rows_read + read, now()
        run.rows_added += counts["added"]
        run.rows_present += counts["present"]
        run.rows_rejected += counts["rejected"]

    def finish(self) -> Summary:
        """Marks the run finished (audited, not committed)."""
        run = self.run
        run.status, run.finished_at = ImportStatus.finished, now()
        audit.record(actor=self.principal.label, action="import.finished", subject_type="import_run",
                     subject_id=run.id, payload={"kind": str(run.kind), "file": run.file_name, "read": run.rows_read,
                                                 "added": run.rows_added, "present": run.rows_present,
                                                 "rejected": run.rows_rejected})
        return summary_of(run)


def summary_of(run: ImportRun) -> Summary:
    return Summary(run.id, run.rows_read, run.rows_added, run.rows_present, run.rows_rejected)


def errors_of(run: ImportRun) -> Iterator[tuple[int, str, str]]:
    """The run's rejected rows and their reasons, in file order."""
    query = (select(ImportRowError.row_no, ImportRowError.field, ImportRowError.message)
             .where(ImportRowError.run_id == run.id).order_by(ImportRowError.row_no, ImportRowError.id))
    for row_no, field, message in db.session.execute(query.execution_options(yield_per=2000)):
        yield int(row_no), field, message
