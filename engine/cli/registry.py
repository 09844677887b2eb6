"""CLI commands for the registry: ``shenfa accounts`` and ``shenfa keydates``."""

from __future__ import annotations

import click

from engine.cli.base import Context, emit, json_option, main, pass_ctx, refusals
from engine.registry import accounts, key_dates


@main.group("accounts", help="新媒体平台账号登记（第五、六条）")
def accounts_group() -> None:
    """Group account registry commands."""


@accounts_group.command("list", help="列出登记的账号。")
@click.option("--status", type=click.Choice(sorted(accounts.STATUSES)), help="只列出某状态")
@json_option
@pass_ctx
def accounts_list(ctx: Context, status: str | None, as_json: bool) -> None:
    with ctx.engine.db.transaction() as session:
        rows = [accounts.view(session, a) for a in accounts.listing(session, status)]
    emit(rows, as_json, lambda rs: "\n".join(_account_line(r) for r in rs) or "（无账号）")


def _account_line(r: dict) -> str:
    return (f"#{r['id']:<4} {r['tier']}级 {r['platform_type']:<4} {r['account_name']:<20} "
            f"{r['department']:<10} {r['holder'] or '-':<10} {r['status_title']}")


@accounts_group.command("show", help="显示一个账号的登记信息。")
@click.argument("account_id", type=int)
@json_option
@pass_ctx
@refusals
def accounts_show(ctx: Context, account_id: int, as_json: bool) -> None:
    with ctx.engine.db.transaction() as session:
        row = accounts.view(session, accounts.get(session, account_id))
    emit(row, as_json, lambda r: "\n".join(f"{k}: {v}" for k, v in r.items()))


@main.group("keydates", help="重要时间节点（第十一条：四审四校）")
def keydates_group() -> None:
    """Group key-date calendar commands."""


@keydates_group.command("add", help="添加重要时间节点：名称、开始日期，可选结束日期。")
@click.argument("name")
@click.argument("start")
@click.argument("end", required=False)
@json_option
@pass_ctx
@refusals
def keydates_add(ctx: Context, name: str, start: str, end: str | None, as_json: bool) -> None:
    with ctx.engine.db.transaction() as session:
        row = key_dates.view(key_dates.add(session, name, start, end))
    emit(row, as_json, lambda r: f"已添加 #{r['id']} {r['name']} {r['start']}~{r['end']}")


@keydates_group.command("list", help="列出重要时间节点。")
@json_option
@pass_ctx
def keydates_list(ctx: Context, as_json: bool) -> None:
    with ctx.engine.db.transaction() as session:
        rows = [key_dates.view(k) for k in key_dates.listing(session)]
    emit(rows, as_json, lambda rs: "\n".join(
        f"#{r['id']:<4} {r['start']}~{r['end']} {r['name']}" for r in rs) or "（无）")


@keydates_group.command("remove", help="删除一个重要时间节点。")
@click.argument("key_date_id", type=int)
@json_option
@pass_ctx
@refusals
def keydates_remove(ctx: Context, key_date_id: int, as_json: bool) -> None:
    with ctx.engine.db.transaction() as session:
        key_dates.remove(session, key_date_id)
    emit({"removed": key_date_id}, as_json, lambda r: f"已删除 #{key_date_id}")
