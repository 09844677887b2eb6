"""``shenfa prescreen FILE`` and ``shenfa prescreen deploy [DIR]``: the pre-screen (issue 15).

``prescreen FILE`` screens a post with the deployed rules (or ``--rules DIR``) and lists
what a reviewer must look at; it never approves anything.  A first argument that is not a
subcommand is the file to screen, so ``prescreen FILE`` needs no ``screen`` word.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from engine.app import prescreen as service
from engine.base.errors import Refused
from engine.cli.base import Context, emit, json_option, main, pass_ctx, refusals

SEVERITY = {"high": "高", "medium": "中", "low": "低"}


class PrescreenGroup(click.Group):
    """The ``prescreen`` group: ``prescreen FILE`` means ``prescreen screen FILE``."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["screen", *args]
        return super().parse_args(ctx, args)


@main.group(cls=PrescreenGroup, help="发布前预审：按第七、九、十条标出审核人须关注之处（不作审核结论）。")
def prescreen() -> None:
    """Group the pre-screen's commands."""


@prescreen.command("screen", help="预审一篇稿件（UTF-8 文本文件），列出发现。")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--rules", "rules_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="用该目录的规则（默认：已部署的最新版本，未部署时用 rules/prescreen）")
@click.option("--attachments", default=None, help='附件列表 JSON，如 [{"name": "a.jpg", "source": "宣传科摄"}]')
@json_option
@pass_ctx
@refusals
def screen_file(ctx: Context, file: Path, rules_dir: Path | None, attachments: str | None, as_json: bool) -> None:
    text = _read(file)
    if rules_dir is not None:
        rules = service.rules_in_use(None, rules_dir)
    else:
        with ctx.engine.db.reading() as session:
            rules = service.rules_in_use(session)
    result = service.screen_post(rules, text, _attachments(attachments)).as_dict()
    emit(result, as_json, _text)


@prescreen.command("deploy", help="校验并部署预审规则目录（默认 rules/prescreen），记入操作日志。")
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--by", default=None)
@click.option("--note", default=None)
@json_option
@pass_ctx
@refusals
def deploy(ctx: Context, directory: Path | None, by: str | None, note: str | None, as_json: bool) -> None:
    with ctx.engine.db.transaction() as session:
        result = service.deploy(session, directory, ctx.engine.clock.now(), by, note)
    emit(result, as_json, lambda r: f"{'已部署' if r['changed'] else '无变化，仍为'}预审规则版本 {r['version']}"
         f"（{r['rules']} 条规则，{len(r['files'])} 个文件）")


@prescreen.command("versions", help="列出已部署的预审规则版本（最新在前）。")
@json_option
@pass_ctx
def versions(ctx: Context, as_json: bool) -> None:
    with ctx.engine.db.reading() as session:
        rows = service.versions(session)
    emit(rows, as_json, lambda rs: "\n".join(
        f"{r['version']}  {r['deployed_at']}  {r['deployed_by'] or '-'}  {r['rules']} 条规则" for r in rs)
        or "尚未部署预审规则。")


def _read(file: Path) -> str:
    try:
        return file.read_text(encoding="utf-8")
    except OSError as err:
        raise Refused(f"无法读取文件 {file}: {err.strerror or err}") from None
    except UnicodeDecodeError:
        raise Refused(f"文件 {file} 不是 UTF-8 文本。") from None


def _attachments(value: str | None) -> Any:
    if not value:
        return ()
    try:
        return json.loads(value)
    except (json.JSONDecodeError, RecursionError):
        raise Refused("--attachments 不是合法的 JSON。") from None


def _text(result: dict) -> str:
    lines = [f"预审规则版本 {result['rules_version']}：{len(result['findings'])} 处须审核人关注"
             "（预审只作提示，不作审核结论）。"]
    for f in result["findings"]:
        where = (f"第 {f['start'] + 1}–{f['end']} 字" if f["end"] > f["start"]
                 else "附件" if f["attachment"] is not None else "全文")
        lines.append(f"[{SEVERITY[f['severity']]}] {f['article']} {where} {f['rule']}: {f['message']}")
    return "\n".join(lines)
