"""CLI commands for models and their versions: ``check``, ``diff``, ``migrate``, ``export``.

Each is a thin shell over :mod:`engine.app.models`, as the designer pages are.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from engine.app import models as models_app
from engine.cli.base import Context, emit, json_option, main, pass_ctx, project_dir, refusals


@main.command(help="校验模型文件（不部署），列出问题及其所在元素。")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@json_option
def check(paths: tuple[Path, ...], as_json: bool) -> None:
    report = models_app.check_files(paths or tuple(sorted(project_dir("processes").glob("*.bpmn"))))
    emit(report, as_json, lambda r: "\n".join(
        f"{name}: {'通过' if not found else ''}" + "".join(
            f"\n  行 {f['line']} [{f['element_id'] or '-'}] {f['message']}" for f in found)
        for name, found in r.items()))
    if any(report.values()):
        sys.exit(1)


@main.command(help="比较同一模型的两个版本：新增、删除、修改的元素。")
@click.argument("model")
@click.argument("old", type=int)
@click.argument("new", type=int)
@json_option
@pass_ctx
@refusals
def diff(ctx: Context, model: str, old: int, new: int, as_json: bool) -> None:
    with ctx.engine.db.reading() as session:
        result = models_app.diff(session, model, old, new)
    emit(result, as_json, lambda r: "\n".join(
        [f"+ {e['id']} {e['name']} ({e['kind']})" for e in r["added"]]
        + [f"- {e['id']} {e['name']} ({e['kind']})" for e in r["removed"]]
        + [f"~ {e['id']} {e['name']}: {', '.join(e['fields'])}" for e in r["changed"]]) or "两个版本没有差异。")


@main.command(help="把运行中的事项从旧版本迁移到新版本（--dry-run 只检查）。")
@click.argument("model")
@click.option("--from", "from_version", type=int, required=True)
@click.option("--to", "to_version", type=int, default=None, help="默认最新版本")
@click.option("--dry-run", is_flag=True)
@click.option("--by", default=None)
@json_option
@pass_ctx
@refusals
def migrate(ctx: Context, model: str, from_version: int, to_version: int | None, dry_run: bool,
            by: str | None, as_json: bool) -> None:
    results = models_app.migrate(
        ctx.engine, model, from_version, to_version, by, dry_run,
        lambda c: None if as_json else click.echo(_check_line(c.__dict__)))
    rows = [c.__dict__ for c in results]
    if as_json or dry_run:
        emit(rows, as_json, lambda rs: "\n".join(_check_line(r) for r in rs) or "没有运行中的事项。")


def _check_line(c: dict) -> str:
    why = "；".join(c["reasons"] + c["warnings"])
    return f"#{c['instance_id']} {c['title']}: {'可迁移' if c['migratable'] else '不可迁移'}" + (
        f"（{why}）" if why else "")


@main.command("export", help="把已部署的最新版本写回 processes/ 与 forms/，以便纳入版本库。")
@click.option("--to", "target", type=click.Path(file_okay=False, path_type=Path), default=Path("."))
@json_option
@pass_ctx
def export_models(ctx: Context, target: Path, as_json: bool) -> None:
    written = models_app.export_files(ctx.engine, target)
    emit(written, as_json, lambda ws: "\n".join(ws))
