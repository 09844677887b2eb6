"""CLI commands for the worker: ``shenfa worker`` and ``shenfa incidents``."""

from __future__ import annotations

import click

from .cli import Context, emit, json_option, main, pass_ctx, refusals


@main.command(help="运行后台任务：到期定时器与邮件通知（--once 只运行一轮）。")
@click.option("--once", is_flag=True)
@click.option("--poll", default=1.0, show_default=True, help="最长轮询间隔（秒）")
@json_option
@pass_ctx
def worker(ctx: Context, once: bool, poll: float, as_json: bool) -> None:
    import threading

    from .worker import Worker

    runner = Worker.from_env(ctx.engine)
    if once:
        emit(runner.run_once(), as_json, lambda r: f"已触发定时器 {r['fired']} 个，已发送邮件 {r['mailed']} 封")
        return
    click.echo(f"worker {runner.name} 已启动（Ctrl-C 停止）")
    try:
        runner.run(threading.Event(), poll)
    except KeyboardInterrupt:
        click.echo("worker 已停止")


@main.command(help="列出失败的定时任务（事故）；--retry ID 重新尝试。")
@click.option("--retry", "retry_id", type=int, default=None)
@json_option
@pass_ctx
@refusals
def incidents(ctx: Context, retry_id: int | None, as_json: bool) -> None:
    from .timers import failed_timers, retry_timer

    with ctx.engine.db.transaction() as session:
        if retry_id is not None:
            from .audit import log_operation

            retry_timer(session, retry_id)
            log_operation(session, "timer_retried", None, ctx.engine.clock.now(), timer=retry_id)
        rows = failed_timers(session)
    emit(rows, as_json, lambda rs: "\n".join(
        f"{r['id']:>5} #{r['instance_id']} {r['name']} 到期 {r['due_at']} 尝试 {r['attempts']} 次: "
        f"{r['last_error']}" for r in rs) or "无失败的定时任务。")
