"""The ``shenfa`` command line, built on click so Flask's CLI can mount it.

Exit status: 0 done; 1 refused (validation, not allowed, conflict) with the
reason on stderr; 2 usage.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

import click

from . import queries
from .deployment import list_models
from .errors import Refused
from .loading import ModelError
from .org import DEMO_FILE, OrgError, import_org, read_org_file
from .persistence import Database
from .registry import DEMO_FILE as DEMO_REGISTRY
from .registry import seed_registry
from .runtime import Engine


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
        except (Refused, ModelError, OrgError) as err:
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
    raw = Path(value[1:]).read_text(encoding="utf-8") if value.startswith("@") else value
    try:
        return json.loads(raw)
    except json.JSONDecodeError as err:
        raise click.BadParameter(f"不是合法的 JSON: {err.msg}") from None


json_option = click.option("--json", "as_json", is_flag=True, help="机器可读的 JSON 输出")
as_option = click.option("--as", "username", required=True, help="以哪位用户的身份操作")
pass_ctx = click.make_pass_decorator(Context, ensure=True)


@click.group(help="审发 shenfa: 新媒体平台管理办法的流程引擎")
@click.pass_context
def main(click_ctx: click.Context) -> None:
    """Group every command; close the database when the command ends."""
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
        from .audit import log_operation

        with engine.db.transaction() as session:
            result["org"] = import_org(session, read_org_file(DEMO_FILE), password="demo")
            log_operation(session, "org_imported", None, engine.clock.now(), file="demo", **result["org"])
            result["registry"] = seed_registry(session, DEMO_REGISTRY, engine.clock.now())
        deployed = engine.deploy_directory(project_dir("processes"), project_dir("forms"))
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
    from .audit import log_operation

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
    results = []
    for path in paths or (project_dir("processes"),):
        folder = path if path.is_dir() else path.parent
        results += ctx.engine.deploy_directory(folder, folder.parent / "forms", by, note) \
            if path.is_dir() else _deploy_file(ctx.engine, path, by, note)
    emit([r.__dict__ for r in results], as_json, lambda rs: "\n".join(
        f"{r['key']} v{r['version']} {'已部署' if r['created'] else '无变化'}" for r in rs))


def _deploy_file(engine: Engine, path: Path, by: str | None, note: str | None):
    from .deployment import deploy as deploy_model
    from .loading import load_model

    model = load_model(path, path.parent.parent / "forms")
    with engine.db.transaction() as session:
        return [deploy_model(session, model, engine.clock.now(), by, note)]


@main.command(help="列出已部署的流程模型。")
@json_option
@pass_ctx
def models(ctx: Context, as_json: bool) -> None:
    with ctx.engine.db.transaction() as session:
        rows = list_models(session)
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
    instance_id = ctx.engine.start(model, username, parse_data(data))
    _print_instance_tasks(ctx, instance_id, as_json)


def _print_instance_tasks(ctx: Context, instance_id: int, as_json: bool) -> None:
    with ctx.engine.db.transaction() as session:
        detail = queries.instance_detail(session, instance_id)
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
    with ctx.engine.db.transaction() as session:
        rows = queries.tasks_for(session, username)
    emit(rows, as_json, _task_lines)


def _task_command(action: str, help_text: str):
    @main.command(action, help=help_text)
    @click.argument("task")
    @as_option
    @json_option
    @pass_ctx
    @refusals
    def command(ctx: Context, task: str, username: str, as_json: bool) -> None:
        task_id = _find(ctx, task)
        getattr(ctx.engine, action)(task_id, username)
        emit({"task": task_id, "done": action}, as_json, lambda r: f"已{help_text}: {task_id}")

    return command


claim = _task_command("claim", "认领")
unclaim = _task_command("unclaim", "退回认领")


def _find(ctx: Context, ref: str) -> str:
    with ctx.engine.db.transaction() as session:
        return queries.find_task_id(session, ref)


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
        instance_id = queries.task_detail(session, task_id)["instance_id"]
    ctx.engine.complete(task_id, username, submitted)
    _print_instance_tasks(ctx, instance_id, as_json)


@main.command("show-task", help="显示任务详情（含表单结构）。")
@click.argument("task")
@json_option
@pass_ctx
@refusals
def show_task(ctx: Context, task: str, as_json: bool) -> None:
    with ctx.engine.db.transaction() as session:
        detail = queries.task_detail(session, queries.find_task_id(session, task))
    emit(detail, as_json, lambda d: json.dumps(d, ensure_ascii=False, indent=2, default=str))


@main.command(help="显示事项的完整历史记录。")
@click.argument("instance", type=int)
@json_option
@pass_ctx
@refusals
def history(ctx: Context, instance: int, as_json: bool) -> None:
    with ctx.engine.db.transaction() as session:
        detail = queries.instance_detail(session, instance)
    emit(detail["history"], as_json, lambda events: "\n".join(
        f"{e['seq']:>3} {e['at'][:19]} {e['type']:<18} {e['actor'] or '-':<10} "
        f"{e['role'] or '':<18} {e['payload'].get('task_name', '')} "
        f"{e['payload'].get('decision') or ''} {e['payload'].get('comment') or ''}"
        for e in events))


@main.command(help="用示例用户走一遍示例事项（需先 init --demo）。")
@pass_ctx
@refusals
def demo(ctx: Context) -> None:
    from . import demo as samples

    ids = samples.run(ctx.engine, click.echo)
    click.echo(f"示例事项: {', '.join(f'#{i}' for i in ids)}")


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


@main.command(help="按历史事件重放事项；--verify 与存储状态比对。")
@click.argument("instance", type=int)
@click.option("--verify", is_flag=True, help="逐事件校验并与存储状态比对")
@json_option
@pass_ctx
@refusals
def replay(ctx: Context, instance: int, verify: bool, as_json: bool) -> None:
    from .replay import verify_instance

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
    from . import audit as auditing
    from .replay import verify_instance

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

    from .audit import record_digest

    now = ctx.engine.clock.now()
    when = day.date() if day else (now - timedelta(days=1)).date()
    with ctx.engine.db.transaction() as session:
        row = record_digest(session, when, now)
        out = {"day": row.day, "digest": row.digest, "events": row.events}
    emit(out, as_json, lambda r: f"{r['day']} 摘要 {r['digest']}（事件 {r['events']} 条）")


@audit.command("export-digests", help="导出全部每日摘要（JSON）。")
@pass_ctx
def audit_export(ctx: Context) -> None:
    from .audit import export_digests

    with ctx.engine.db.reading() as session:
        click.echo(json.dumps(export_digests(session), ensure_ascii=False, indent=2))


@audit.command("purge", help="删除保存期限（至少两年）以前办结的记录。")
@click.option("--before", type=click.DateTime(["%Y-%m-%d"]), required=True)
@click.option("--by", default=None)
@json_option
@pass_ctx
@refusals
def audit_purge(ctx: Context, before, by: str | None, as_json: bool) -> None:
    from .retention import purge

    with ctx.engine.db.transaction() as session:
        result = purge(session, before.date(), ctx.engine.clock.now(), by)
    emit(result, as_json, lambda r: f"已清理 {r['before']} 之前办结的事项 {r['instances']} 个")


@audit.command("ops", help="操作日志：部署、导入、登录、改派、清理……")
@json_option
@pass_ctx
def audit_ops(ctx: Context, as_json: bool) -> None:
    from .audit import operations

    with ctx.engine.db.reading() as session:
        rows = operations(session)
    emit(rows, as_json, lambda rs: "\n".join(
        f"{r['at'][:19]} {r['title']:<8} {r['actor'] or '-':<10} "
        f"{json.dumps(r['payload'], ensure_ascii=False)}" for r in rs))
from . import cli_registry  # noqa: E402,F401 - registers `accounts` and `keydates`


@main.command(help="校验模型文件（不部署），列出问题及其所在元素。")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@json_option
def check(paths: tuple[Path, ...], as_json: bool) -> None:
    from .findings import locate
    from .loading import load_model

    report = {}
    for path in paths or tuple(sorted(project_dir("processes").glob("*.bpmn"))):
        try:
            load_model(path, path.parent.parent / "forms")
            report[path.name] = []
        except ModelError as err:
            report[path.name] = locate(path.read_text(encoding="utf-8"), err.problems)
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
    from .deployment import version_xml
    from .versions import diff_models

    with ctx.engine.db.reading() as session:
        result = diff_models(version_xml(session, model, old), version_xml(session, model, new))
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
    from .audit import log_operation
    from .migration import Migrator

    migrator = Migrator(ctx.engine, model, from_version, to_version)
    if dry_run:
        results = migrator.dry_run()
    else:
        results = migrator.run(by, lambda c: None if as_json else click.echo(_check_line(c.__dict__)))
        with ctx.engine.db.transaction() as session:
            log_operation(session, "instances_migrated", by, ctx.engine.clock.now(), model=model,
                          from_version=from_version, to_version=migrator.target.version,
                          migrated=[c.instance_id for c in results if c.migratable],
                          untouched=[c.instance_id for c in results if not c.migratable])
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
    from .audit import log_operation
    from .deployment import export

    with ctx.engine.db.transaction() as session:
        written = export(session, target / "processes", target / "forms")
        log_operation(session, "models_exported", None, ctx.engine.clock.now(), files=len(written))
    emit(written, as_json, lambda ws: "\n".join(ws))
