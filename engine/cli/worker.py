"""CLI commands for the worker: ``shenfa worker`` and ``shenfa incidents``."""

from __future__ import annotations

import click

from engine.cli.base import Context, emit, json_option, main, pass_ctx, refusals


@main.command(help="运行后台任务：到期定时器与邮件通知（--once 只运行一轮；--status 查看健康状况）。")
@click.option("--once", is_flag=True)
@click.option("--status", is_flag=True, help="报告 worker 心跳、最久逾期定时器与待发邮件；异常时退出码 1")
@click.option("--poll", default=1.0, show_default=True, help="最长轮询间隔（秒）")
@json_option
@pass_ctx
def worker(ctx: Context, once: bool, status: bool, poll: float, as_json: bool) -> None:
    import threading

    from engine.run.worker import Worker

    if status:
        _status(ctx, as_json)
        return
    runner = Worker.from_env(ctx.engine)
    if once:
        emit(runner.run_once(), as_json, lambda r: f"已触发定时器 {r['fired']} 个，已发送邮件 {r['mailed']} 封")
        return
    click.echo(f"worker {runner.name} 已启动（Ctrl-C 停止）")
    try:
        runner.run(threading.Event(), poll)
    except KeyboardInterrupt:
        click.echo("worker 已停止")


def _status(ctx: Context, as_json: bool) -> None:
    from engine.read.health import report

    body = report(ctx.engine.db, ctx.engine.clock.now())
    emit(body, as_json, _status_text)
    if not body["ok"]:
        raise SystemExit(1)


def _status_text(body: dict) -> str:
    late = body["oldest_overdue_seconds"]
    beat = body["workers"][0] if body["workers"] else None
    return "\n".join([
        f"状态: {'正常' if body['ok'] else '异常'}",
        f"最近心跳: {beat['name'] + ' ' + beat['last_loop_at'] if beat else '无'}",
        f"最久逾期定时器: {'无' if late is None else f'{late:.0f} 秒'}",
        f"待发邮件: {body['pending_notifications']}；失败定时任务: {body['failed_timers']}；"
        f"失败邮件: {body['failed_notifications']}"])


@main.command(help="列出失败的定时任务（事故）；--retry ID 重新尝试。")
@click.option("--retry", "retry_id", type=int, default=None)
@json_option
@pass_ctx
@refusals
def incidents(ctx: Context, retry_id: int | None, as_json: bool) -> None:
    from engine.notify.notifications import failed_mail
    from engine.run.timers import failed_timers, retry_timer

    with ctx.engine.db.transaction() as session:
        if retry_id is not None:
            from engine.audit.chain import log_operation

            retry_timer(session, retry_id)
            log_operation(session, "timer_retried", None, ctx.engine.clock.now(), timer=retry_id)
        rows, mail = failed_timers(session), failed_mail(session)
    if as_json:
        emit({"timers": rows, "mail": mail}, True, str)
        return
    click.echo("\n".join(
        f"{r['id']:>5} #{r['instance_id']} {r['name']} 到期 {r['due_at']} 尝试 {r['attempts']} 次: "
        f"{r['last_error']}" for r in rows) or "无失败的定时任务。")
    for m in mail:
        click.echo(f"邮件 {m['id']:>5} #{m['instance_id']} 致 {m['username']} 尝试 "
                   f"{m['mail_attempts']} 次: {m['mail_error']}")
