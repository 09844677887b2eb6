"""The ``shenfa`` command line, built on click so Flask's CLI can mount it.

Exit status: 0 done; 1 refused (validation, not allowed, conflict) with the
reason on stderr; 2 usage.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from dataclasses import asdict
from functools import wraps
from pathlib import Path
from typing import Any

import click

from engine.app import models as models_app
from engine.app import tasks as task_service
from engine.base import localtime
from engine.base.errors import Refused
from engine.model.loading import ModelError
from engine.org.anonymity import viewing
from engine.org.directory import DEMO_FILE, OrgError, import_org, read_org_file
from engine.registry.seed import DEMO_FILE as DEMO_REGISTRY
from engine.registry.seed import seed_registry
from engine.run.runtime import Engine
from engine.store.persistence import Database


def project_dir(name: str) -> Path:
    """Return ``processes/`` or ``forms/``: from the environment, else the working directory."""
    return Path(os.environ.get(f"SHENFA_{name.upper()}", name))


class Context:
    def __init__(self) -> None:
        self._engine: Engine | None = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            db = Database()
            db.migrate()
            self._engine = Engine(db)
        return self._engine

    def close(self) -> None:
        if self._engine is not None:
            self._engine.db.dispose()
            self._engine = None


def refusals(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn a refusal into exit status 1 with its reason (and field errors) on stderr."""

    @wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except ModelError as err:  # one line however many problems; ``shenfa check`` lists them
            click.echo(f"拒绝 (refused): {'；'.join(err.problems)}", err=True)
            sys.exit(1)
        except (Refused, OrgError) as err:
            click.echo(f"拒绝 (refused): {getattr(err, 'message', err)}", err=True)
            for field, messages in getattr(err, "errors", {}).items():
                click.echo(f"  {field}: {json.dumps(messages, ensure_ascii=False)}", err=True)
            sys.exit(1)

    return wrapper


def emit(obj: Any, as_json: bool, text: Callable[[Any], str]) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False, indent=2, default=str) if as_json else text(obj))


def parse_data(value: str | None) -> dict:
    """Read ``--data``: inline JSON or ``@FILE``."""
    if not value:
        return {}
    raw = _read_file(value[1:]) if value.startswith("@") else value
    try:
        data = json.loads(raw, parse_constant=_no_constant)
    except (json.JSONDecodeError, RecursionError) as err:
        raise click.BadParameter(f"不是合法的 JSON: {getattr(err, 'msg', err)}") from None
    except ValueError as err:  # NaN, Infinity, or an integer of thousands of digits
        raise click.BadParameter(f"不是合法的 JSON: {err}") from None
    text = json.dumps(data, ensure_ascii=False)
    check_storable(text.replace("\\u0000", "\x00"))
    return data


def _no_constant(name: str) -> None:
    raise ValueError(f"不支持 {name}")


def _read_file(name: str) -> str:
    """Read a ``--data @FILE``; an unreadable file is a refusal, not a traceback."""
    try:
        return Path(name).read_text(encoding="utf-8")
    except OSError as err:
        raise Refused(f"无法读取文件 {name}: {err.strerror or err}") from None
    except UnicodeDecodeError:
        raise Refused(f"文件 {name} 不是 UTF-8 文本。") from None


def check_storable(text: str) -> None:
    """Refuse text the database cannot store: NUL characters, lone surrogates."""
    if "\x00" in text:
        raise Refused("输入中不能含有空字符（NUL）。")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise Refused("输入中含有无效的 Unicode 字符（孤立代理项或非 UTF-8 字节）。") from None


json_option = click.option("--json", "as_json", is_flag=True, help="机器可读的 JSON 输出")
as_option = click.option("--as", "username", required=True, help="以哪位用户的身份操作")
pass_ctx = click.make_pass_decorator(Context, ensure=True)


class Guarded(click.Group):
    """The command group with one error boundary: bad input is one line and exit 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as err:  # noqa: BLE001 - the boundary: never a traceback
            click.echo(f"拒绝 (refused): {describe(err)}", err=True)
            sys.exit(1)


def describe(err: Exception) -> str:
    """Return one line saying why a command failed."""
    from sqlalchemy.exc import SQLAlchemyError

    if isinstance(err, Refused):
        return err.message
    if isinstance(err, SQLAlchemyError):
        return "数据库无法保存或查询该输入（含无效字符或数值超出范围），未作任何更改。"
    if isinstance(err, UnicodeError):
        return "输入中含有无效的字符，未作任何更改。"
    return f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}"[:300]


@click.group(cls=Guarded, help="审发 shenfa: 新媒体平台管理办法的流程引擎")
@click.pass_context
def main(click_ctx: click.Context) -> None:
    """Group every command; refuse a bad setting up front; close the database at the end."""
    localtime.configured()  # a bad SHENFA_TIMEZONE: one line, exit 1 (the boundary above)
    ctx = click_ctx.ensure_object(Context)
    click_ctx.call_on_close(ctx.close)


@main.command(help="初始化数据库；--demo 导入示例医院并部署 processes/ 中的流程。")
@click.option("--demo", is_flag=True)
@json_option
@pass_ctx
@refusals
def init(ctx: Context, demo: bool, as_json: bool) -> None:
    engine = ctx.engine
    result: dict[str, Any] = {"database": str(engine.db.engine.url)}
    if demo:
        from engine.audit.chain import log_operation

        with engine.db.transaction() as session:
            result["org"] = import_org(session, read_org_file(DEMO_FILE), password="demo")
            log_operation(session, "org_imported", None, engine.clock.now(), file="demo", **result["org"])
            result["registry"] = seed_registry(session, DEMO_REGISTRY, engine.clock.now())
        deployed = models_app.deploy_files(engine, [project_dir("processes")],
                                          forms=project_dir("forms"))
        result["deployed"] = [d.__dict__ for d in deployed]
    emit(result, as_json, lambda r: "\n".join(f"{k}: {v}" for k, v in r.items()))


@main.group(help="组织机构")
def org() -> None:
    """Group organisation commands."""


@org.command("import", help="从 YAML/JSON 文件导入科室、支部、用户和角色。")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@json_option
@pass_ctx
@refusals
def org_import(ctx: Context, file: Path, as_json: bool) -> None:
    from engine.audit.chain import log_operation

    with ctx.engine.db.transaction() as session:
        counts = import_org(session, read_org_file(file))
        log_operation(session, "org_imported", None, ctx.engine.clock.now(), file=file.name, **counts)
    emit(counts, as_json, lambda c: "已导入: " + ", ".join(f"{k}={v}" for k, v in c.items()))


@main.command(help="校验并部署流程模型（默认 processes/，表单取其旁的 forms/）。")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--note", help="变更说明")
@click.option("--by", default=None, help="部署人")
@json_option
@pass_ctx
@refusals
def deploy(ctx: Context, paths: tuple[Path, ...], note: str | None, by: str | None,
           as_json: bool) -> None:
    results = models_app.deploy_files(ctx.engine, paths or (project_dir("processes"),), by, note)
    emit([r.__dict__ for r in results], as_json, lambda rs: "\n".join(
        f"{r['key']} v{r['version']} {'已部署' if r['created'] else '无变化'}" for r in rs))


@main.command(help="列出已部署的流程模型。")
@json_option
@pass_ctx
def models(ctx: Context, as_json: bool) -> None:
    with ctx.engine.db.transaction() as session:
        rows = [asdict(row) for row in models_app.deployed(session)]
    emit(rows, as_json, lambda rs: "\n".join(
        f"{r['key']:<24} v{r['version']:<3} 运行中 {r['running']:<4} {r['name']}" for r in rs))


@main.command(help="发起一个流程实例。")
@click.argument("model")
@as_option
@click.option("--data", help="发起表单数据：JSON 或 @文件")
@json_option
@pass_ctx
@refusals
def start(ctx: Context, model: str, username: str, data: str | None, as_json: bool) -> None:
    instance_id = task_service.start(ctx.engine, model, username, parse_data(data))
    _print_instance_tasks(ctx, instance_id, as_json)


def _print_instance_tasks(ctx: Context, instance_id: int, as_json: bool) -> None:
    with ctx.engine.db.transaction() as session:
        detail = task_service.item_detail(session, instance_id)
    open_tasks = [t for t in detail["tasks"] if t["status"] == "open"]
    emit({"instance": instance_id, "status": detail["status"], "open_tasks": open_tasks},
         as_json, lambda d: f"事项 {instance_id} ({d['status']})\n" + _task_lines(open_tasks))


def _task_lines(tasks: list[dict]) -> str:
    return "\n".join(
        f"  {t['id']}  {t['name']}  [{t['role_title']}] "
        f"{t['assignee'] or '待认领'}  #{t['instance_id']} {t['title']}" for t in tasks
    ) or "  （无待办任务）"


@main.command(help="列出某用户现在可以办理的任务（指派给本人的，以及按角色可认领的）。")
@as_option
@json_option
@pass_ctx
@refusals
def tasks(ctx: Context, username: str, as_json: bool) -> None:
    with viewing(username), ctx.engine.db.transaction() as session:
        rows = task_service.open_tasks_for(session, username)
    emit(rows, as_json, _task_lines)


def _task_command(action: Callable[[Engine, str, str], None], help_text: str):
    @main.command(action.__name__, help=help_text)
    @click.argument("task")
    @as_option
    @json_option
    @pass_ctx
    @refusals
    def command(ctx: Context, task: str, username: str, as_json: bool) -> None:
        task_id = _find(ctx, task)
        action(ctx.engine, task_id, username)
        emit({"task": task_id, "done": action.__name__}, as_json, lambda r: f"已{help_text}: {task_id}")

    return command


claim = _task_command(task_service.claim, "认领")
unclaim = _task_command(task_service.unclaim, "退回认领")


def _find(ctx: Context, ref: str) -> str:
    with ctx.engine.db.transaction() as session:
        return task_service.find_task(session, ref)


@main.command(help="提交任务表单并办结该任务。")
@click.argument("task")
@as_option
@click.option("--data", required=True, help="表单数据：JSON 或 @文件")
@json_option
@pass_ctx
@refusals
def complete(ctx: Context, task: str, username: str, data: str, as_json: bool) -> None:
    submitted = parse_data(data)
    task_id = _find(ctx, task)
    with ctx.engine.db.transaction() as session:
        instance_id = task_service.task_detail(session, task_id).instance_id
    task_service.complete(ctx.engine, task_id, username, submitted)
    _print_instance_tasks(ctx, instance_id, as_json)


#: read as a user: what they may not see of an anonymous complaint is covered (第十九条)
viewer_option = click.option("--as", "username", default=None,
                             help="以哪位用户的身份查看（匿名投诉人对其遮盖）；缺省为服务器运维的完整记录")


@main.command("show-task", help="显示任务详情（含表单结构）。")
@click.argument("task")
@viewer_option
@json_option
@pass_ctx
@refusals
def show_task(ctx: Context, task: str, username: str | None, as_json: bool) -> None:
    with viewing(_viewer(ctx, username)), ctx.engine.db.transaction() as session:
        detail = task_service.task_detail(session, task_service.find_task(session, task)).as_dict()
    emit(detail, as_json, lambda d: json.dumps(d, ensure_ascii=False, indent=2, default=str))


@main.command(help="显示事项的完整历史记录。")
@click.argument("instance", type=int)
@viewer_option
@json_option
@pass_ctx
@refusals
def history(ctx: Context, instance: int, username: str | None, as_json: bool) -> None:
    with viewing(_viewer(ctx, username)), ctx.engine.db.transaction() as session:
        detail = task_service.item_detail(session, instance)
    emit(detail["history"], as_json, lambda events: "\n".join(
        f"{e['seq']:>3} {e['at'][:19]} {e['type']:<18} {e['actor'] or '-':<10} "
        f"{e['role'] or '':<18} {e['payload'].get('task_name', '')} "
        f"{e['payload'].get('decision') or ''} {e['payload'].get('comment') or ''}"
        for e in events))


def _viewer(ctx: Context, username: str | None) -> str | None:
    """Return the user to read as, refusing one who does not exist."""
    if username is not None:
        with ctx.engine.db.transaction() as session:
            if not task_service.user_exists(session, username):
                raise Refused(f"用户不存在: {username}")
    return username


@main.command(help="用示例用户走一遍示例事项（需先 init --demo）。")
@pass_ctx
@refusals
def demo(ctx: Context) -> None:
    from engine.demo import items as samples

    ids = samples.run(ctx.engine, click.echo)
    click.echo(f"示例事项（{len(ids)} 项）：")
    for line in samples.summary(ctx.engine, ids):
        click.echo(f"  {line}")

