"""CLI commands for auditors: ``shenfa replay`` and ``shenfa audit ...``."""

from __future__ import annotations

import json
import sys

import click

from engine.cli.base import Context, emit, json_option, main, pass_ctx, refusals


@main.command(help="按历史事件重放事项；--verify 与存储状态比对。")
@click.argument("instance", type=int)
@click.option("--verify", is_flag=True, help="逐事件校验并与存储状态比对")
@json_option
@pass_ctx
@refusals
def replay(ctx: Context, instance: int, verify: bool, as_json: bool) -> None:
    from engine.audit.replay import verify_instance

    verdict = verify_instance(ctx.engine, instance)
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
    from engine.audit import chain as auditing
    from engine.audit.replay import verify_instance

    with ctx.engine.db.reading() as session:
        ids = auditing.instances_since(session, since.date() if since else None)
        problems = [p for i in ids for p in auditing.verify_chain(session, i)]
        problems += auditing.verify_digests(session)
    verdicts = [verify_instance(ctx.engine, i) for i in ids]
    problems += [auditing.Problem(v.instance_id, v.diverged_at, v.message) for v in verdicts if not v.ok]
    summary = {"instances": len(ids), "replayed_ok": sum(v.ok for v in verdicts),
               "problems": [str(p) for p in problems]}
    emit(summary, as_json, lambda s: "\n".join(
        [f"已校验事项 {s['instances']} 个，重放通过 {s['replayed_ok']} 个，发现问题 {len(s['problems'])} 处。",
         *s["problems"]]))
    if problems:
        sys.exit(1)


@audit.command("digest", help="记录某日（默认昨天）所有历史链的摘要。")
@click.option("--day", type=click.DateTime(["%Y-%m-%d"]), default=None)
@json_option
@pass_ctx
def audit_digest(ctx: Context, day, as_json: bool) -> None:
    from datetime import timedelta

    from engine.audit.chain import record_digest

    now = ctx.engine.clock.now()
    when = day.date() if day else (now - timedelta(days=1)).date()
    with ctx.engine.db.transaction() as session:
        row = record_digest(session, when, now)
        out = {"day": row.day, "digest": row.digest, "events": row.events}
    emit(out, as_json, lambda r: f"{r['day']} 摘要 {r['digest']}（事件 {r['events']} 条）")


@audit.command("export-digests", help="导出全部每日摘要（JSON）。")
@pass_ctx
def audit_export(ctx: Context) -> None:
    from engine.audit.chain import export_digests

    with ctx.engine.db.reading() as session:
        click.echo(json.dumps(export_digests(session), ensure_ascii=False, indent=2))


@audit.command("purge", help="删除保存期限（至少两年）以前办结的记录。")
@click.option("--before", type=click.DateTime(["%Y-%m-%d"]), required=True)
@click.option("--by", default=None)
@json_option
@pass_ctx
@refusals
def audit_purge(ctx: Context, before, by: str | None, as_json: bool) -> None:
    from engine.audit.retention import purge

    with ctx.engine.db.transaction() as session:
        result = purge(session, before.date(), ctx.engine.clock.now(), by)
    emit(result, as_json, lambda r: f"已清理 {r['before']} 之前办结的事项 {r['instances']} 个")


@audit.command("ops", help="操作日志：部署、导入、登录、改派、清理……")
@json_option
@pass_ctx
def audit_ops(ctx: Context, as_json: bool) -> None:
    from engine.audit.chain import operations

    with ctx.engine.db.reading() as session:
        rows = operations(session)
    emit(rows, as_json, lambda rs: "\n".join(
        f"{r['at'][:19]} {r['title']:<8} {r['actor'] or '-':<10} "
        f"{json.dumps(r['payload'], ensure_ascii=False)}" for r in rs))
