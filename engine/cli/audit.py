"""CLI commands for auditors: ``shenfa replay`` and ``shenfa audit ...``."""

from __future__ import annotations

import json
import sys

import click

from engine.app import audit as service
from engine.cli.base import Context, emit, json_option, main, pass_ctx, refusals


@main.command(help="按历史事件重放事项；--verify 与存储状态比对。")
@click.argument("instance", type=int)
@click.option("--verify", is_flag=True, help="逐事件校验并与存储状态比对")
@json_option
@pass_ctx
@refusals
def replay(ctx: Context, instance: int, verify: bool, as_json: bool) -> None:
    verdict = service.replay_verdict(ctx.engine, instance)
    emit(verdict.as_dict(), as_json, _verdict_line)
    if not verdict.ok:
        sys.exit(1)


def _verdict_line(v: dict) -> str:
    where = f"（首个不一致事件: {v['diverged_at']}）" if v["diverged_at"] else ""
    return f"事项 #{v['instance_id']}: {'通过' if v['ok'] else '不通过'} — {v['message']}{where}"


@main.group(help="审计：校验、每日摘要、保存期限、操作日志")
def audit() -> None:
    """Group audit commands."""


@audit.command("verify", help="校验所有事项的哈希链与每日摘要，并重放校验。")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), default=None)
@json_option
@pass_ctx
def audit_verify(ctx: Context, since, as_json: bool) -> None:
    result = service.verify_all(ctx.engine, since.date() if since else None)
    emit(result.as_dict(), as_json, lambda s: "\n".join(
        [f"已校验事项 {s['instances']} 个，重放通过 {s['replayed_ok']} 个，发现问题 {len(s['problems'])} 处。",
         *s["problems"]]))
    if result.problems:
        sys.exit(1)


@audit.command("digest", help="记录某日（默认昨天）所有历史链的摘要。")
@click.option("--day", type=click.DateTime(["%Y-%m-%d"]), default=None)
@json_option
@pass_ctx
def audit_digest(ctx: Context, day, as_json: bool) -> None:
    from datetime import timedelta

    now = ctx.engine.clock.now()
    out = service.record_digest(ctx.engine, day.date() if day else (now - timedelta(days=1)).date())
    emit(out, as_json, lambda r: f"{r['day']} 摘要 {r['digest']}（事件 {r['events']} 条）")


@audit.command("export-digests", help="导出全部每日摘要（JSON）。")
@pass_ctx
def audit_export(ctx: Context) -> None:
    click.echo(json.dumps(service.digests(ctx.engine), ensure_ascii=False, indent=2))


@audit.command("purge", help="删除保存期限（至少两年）以前办结的记录。")
@click.option("--before", type=click.DateTime(["%Y-%m-%d"]), required=True)
@click.option("--by", default=None)
@json_option
@pass_ctx
@refusals
def audit_purge(ctx: Context, before, by: str | None, as_json: bool) -> None:
    result = service.purge(ctx.engine, before.date(), by)
    emit(result, as_json, lambda r: f"已清理 {r['before']} 之前办结的事项 {r['instances']} 个")


@audit.command("ops", help="操作日志：部署、导入、登录、改派、清理……")
@json_option
@pass_ctx
def audit_ops(ctx: Context, as_json: bool) -> None:
    emit(service.operations(ctx.engine), as_json, lambda rs: "\n".join(
        f"{r['at'][:19]} {r['title']:<8} {r['actor'] or '-':<10} "
        f"{json.dumps(r['payload'], ensure_ascii=False)}" for r in rs))
