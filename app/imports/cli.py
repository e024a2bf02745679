"""``haochaping import service-cases FILE`` and ``haochaping import evaluations FILE``.

Exit status: 0 every row is in (added or already present), 1 some rows were rejected (see the error
report), 2 the file or the options cannot be used (nothing loaded), 130 interrupted (run again to continue).
"""
from __future__ import annotations

import signal
import sys
from contextlib import contextmanager
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy.exc import IntegrityError

from app.db import db
from app.errors import DomainError
from app.imports import report, runner
from app.imports.kinds import KINDS, Kind, principal_for
from app.imports.models import ImportKind
from app.imports.reader import FileError, detect_format, fingerprint

import_cli = AppGroup("import", help="Bulk loads of service cases and evaluations (CSV, JSON Lines, XLSX).")

EXIT_REJECTED, EXIT_UNUSABLE, EXIT_INTERRUPTED = 1, 2, 130


def _options(command):
    for option in reversed((
        click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path)),
        click.option("--as", "username", required=True,
                     help="Account the rows are loaded as (an integration client, or a handler for paper forms)."),
        click.option("--errors", "errors_path", type=click.Path(dir_okay=False, path_type=Path),
                     help="Error report (CSV); default FILE.errors.csv."),
        click.option("--format", "fmt", type=click.Choice(["csv", "jsonl", "xlsx"]),
                     help="File format when the extension does not say it."),
        click.option("--sheet", help="XLSX worksheet (default: the active one)."),
        click.option("--chunk-rows", default=runner.CHUNK_ROWS, show_default=True, type=click.IntRange(1, 10_000),
                     help="Rows committed together."),
    )):
        command = option(command)
    return command


@import_cli.command("service-cases")
@_options
def import_service_cases(**options) -> None:
    """Load service cases (办件): case_no, item_code, org_code, … or their Chinese headers."""
    _run(KINDS[ImportKind.service_cases], **options)


@import_cli.command("evaluations")
@_options
def import_evaluations(**options) -> None:
    """Load evaluations (评价): service_case_no, level, channel, … or their Chinese headers."""
    _run(KINDS[ImportKind.evaluations], **options)


def _fail(message: str) -> None:
    click.echo(f"错误 / error: {message}", err=True)
    sys.exit(EXIT_UNUSABLE)


def _run(kind: Kind, *, file: Path, username: str, errors_path: Path | None, fmt: str | None, sheet: str | None,
         chunk_rows: int) -> None:
    try:
        principal = principal_for(username, kind)
        fmt = detect_format(file, fmt)
        sha256 = fingerprint(file, fmt)
        reader = runner.open_reader(file, fmt, kind, sheet)
    except (FileError, DomainError) as err:
        _fail(str(err) if isinstance(err, FileError) else err.message)
    if reader.columns is not None and reader.columns.ignored:
        click.echo(f"以下列不认识，已忽略：{'、'.join(reader.columns.ignored)}", err=True)
    run, resumed = runner.start(kind, path=file, sha256=sha256, principal=principal)
    db.session.commit()
    if resumed:
        click.echo(f"继续上次中断的导入：已提交至第 {run.last_row} 行，从第 {run.last_row + 1} 行继续", err=True)
    loader = runner.Loader(run, kind, reader, principal, chunk_rows=chunk_rows)
    try:
        with _terminated_as_interrupt(), _progress(reader.estimated_rows, run.rows_read, kind) as advance:
            summary = _load(loader, advance)
    except KeyboardInterrupt:
        db.session.rollback()
        click.echo(f"已中断：已提交至第 {run.last_row} 行；再次运行同一命令将从第 {run.last_row + 1} 行继续", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except FileError as err:
        db.session.rollback()
        _fail(f"{err}（已提交至第 {run.last_row} 行）")
    _finish(summary, kind, errors_path or report.default_path(file), run)


def _load(loader: runner.Loader, advance) -> runner.Summary:
    """Each chunk in its own transaction with the run's progress: an interrupt loses at most the open chunk."""
    for chunk in loader.chunks():
        _commit_chunk(loader, chunk)
        advance(len(chunk))
    summary = loader.finish()
    db.session.commit()
    return summary


def _commit_chunk(loader: runner.Loader, chunk) -> None:
    try:
        loader.write(chunk)
        db.session.commit()
    except IntegrityError:  # another writer added some of these rows meanwhile: written again, they are present
        db.session.rollback()
        loader.write(chunk)
        db.session.commit()


def _finish(summary: runner.Summary, kind: Kind, report_path: Path, run) -> None:
    click.echo(f"{kind.noun}导入完成：读取 {summary.read} 行，新增 {summary.added} 行，已存在 {summary.present} 行，"
               f"有误 {summary.rejected} 行 / read {summary.read}, added {summary.added}, "
               f"present {summary.present}, rejected {summary.rejected}")
    if not summary.rejected:
        report_path.unlink(missing_ok=True)  # a report left by an earlier load of this file is out of date
        return
    report.write(report_path, runner.errors_of(run))
    click.echo(f"错误报告 / error report: {report_path}")
    sys.exit(EXIT_REJECTED)


@contextmanager
def _progress(estimated: int | None, done: int, kind: Kind):
    """A progress bar on a terminal; nothing when the output goes to a file or a pipe."""
    if not estimated or not sys.stderr.isatty():
        yield lambda n: None
        return
    with click.progressbar(length=estimated, label=f"导入{kind.noun}", file=sys.stderr,
                           show_pos=True, show_eta=True) as bar:
        bar.update(done)
        yield bar.update


@contextmanager
def _terminated_as_interrupt():
    """``kill`` stops a load the way Ctrl-C does: the open chunk is rolled back and the resume point shown."""
    def interrupt(signum, frame):
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
