"""`haochaping serve` (the web app and API with the scheduler) and `haochaping scheduler` (the jobs alone)."""
from __future__ import annotations

import os
import signal
import threading

import click

from app.db import db
from app.server.options import ServerOptions
from app.settings import ConfigError


@click.command("serve")
@click.option("--host", help="Address to listen on [HCP_HOST, default 127.0.0.1].")
@click.option("--port", type=click.IntRange(1, 65535), help="Port [HCP_PORT, default 5000].")
@click.option("--workers", type=click.IntRange(1, 64),
              help="Worker processes; more than 1 runs gunicorn (Linux/Unix) [HCP_WORKERS, default 1].")
@click.option("--threads", type=click.IntRange(1, 256), help="Request threads per process [HCP_THREADS, default 8].")
@click.option("--no-scheduler", is_flag=True, help="Do not run the background jobs on this machine.")
@click.pass_obj
def serve(app, host, port, workers, threads, no_scheduler: bool) -> None:
    """Serve the web app and API, with the scheduler in one of the processes."""
    from app.server.run import ServerError
    from app.server.run import serve as run_server

    try:
        options = ServerOptions.from_config(app.config, host=host, port=port, workers=workers, threads=threads)
    except ConfigError as err:
        raise click.UsageError(str(err)) from None
    with_scheduler = bool(app.config.get("SCHEDULER_ENABLED")) and not no_scheduler
    database = db.engine.url.render_as_string(hide_password=True)
    click.echo(f"好差评服务运行于 http://{options.host}:{options.port}  ({options.workers} 个进程 × "
               f"{options.threads} 线程，定时任务{'开启' if with_scheduler else '关闭'}，数据库: {database})")
    if _demo_present():
        click.echo("演示数据：各角色的演示账号和密码见 README.md「演示账号」一节（仅限演示，正式部署前请删除）")
    try:
        run_server(app, options, with_scheduler=with_scheduler)
    except ServerError as err:
        raise click.ClickException(str(err)) from None


@click.command("scheduler")
@click.pass_obj
def scheduler(app) -> None:
    """Run only the background jobs, until stopped (for machines whose `serve` runs with --no-scheduler)."""
    from app import jobs
    from app.server.scheduler_lock import lock_path, run_when_elected

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    click.echo(f"定时任务进程 {os.getpid()} 等待调度锁 {lock_path(app)} / waiting for the scheduler lock")
    run_when_elected(app, jobs.start_scheduler)
    while not stop.wait(1.0):
        pass
    running = app.extensions.get("scheduler")
    if running is not None:
        running.shutdown(wait=True)
    click.echo("定时任务已停止 / scheduler stopped")


def _demo_present() -> bool:
    from sqlalchemy.exc import SQLAlchemyError

    from app.demo import seed

    try:
        return seed.present()
    except SQLAlchemyError:  # not migrated yet
        return False
    finally:
        db.session.rollback()  # end the read: SQLite's write lock must not be held while serving
