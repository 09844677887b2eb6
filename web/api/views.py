"""API endpoints: each one calls the application services, the same functions the pages call."""

from __future__ import annotations

from flask import abort, current_app, request
from flask.views import MethodView
from flask_login import current_user
from flask_smorest import Blueprint
from webargs.flaskparser import FlaskParser

from engine.app import items as item_service
from engine.app import prescreen as prescreen_service
from engine.app import tasks as service
from engine.app.inbox import page_of, query_of
from engine.app.tasks import TaskDetail

from ..auth import check_credentials, end_session, issue_token, start_session
from ..security import protect_unless_token
from ..services import blobs, engine, now, reading, roles, transaction
from . import schemas as s


class Parser(FlaskParser):
    DEFAULT_VALIDATION_STATUS = 400


class ApiBlueprint(Blueprint):
    ARGUMENTS_PARSER = Parser()


bp = ApiBlueprint("api", __name__, url_prefix="/api", description="审发 REST API")
PUBLIC = {"api.Session"}
ERRORS = {400: "请求有误（含各字段的错误信息 errors）", 401: "未登录",
          403: "无权操作，未作任何更改", 404: "对象不存在", 409: "冲突：已被他人处理或修改"}


@bp.before_request
def _guard():
    """Require a signed-in user (session or bearer token) and a CSRF token for sessions."""
    if request.endpoint in PUBLIC and request.method == "POST":
        return
    if not current_user.is_authenticated:
        abort(401)
    protect_unless_token()


def _me() -> dict:
    info = current_user.info
    return {k: info[k] for k in ("username", "display_name", "department", "roles")}


@bp.route("/session")
class Session(MethodView):
    @bp.arguments(s.LoginIn)
    @bp.response(200, s.TokenOut)
    @bp.alt_response(401, description="用户名或密码错误")
    @bp.alt_response(429, description="失败次数过多，暂时锁定")
    def post(self, body):
        """Sign in: returns a bearer token and starts a session."""
        if not check_credentials(body["username"], body["password"]):
            abort(401, "用户名或密码错误。")
        start_session(body["username"])
        return {**_me(), "token": issue_token(body["username"])}

    @bp.response(200, s.Ok)
    def delete(self):
        """Sign out: the session and the bearer token stop working at once."""
        end_session()
        return {"ok": True}


@bp.route("/me")
@bp.response(200, s.Me)
def me():
    """Who is signed in."""
    return _me()


@bp.route("/models")
@bp.response(200, s.ModelEntry(many=True))
def models():
    """The procedures the user may start, with their start forms."""
    with transaction() as db:
        return service.startable(db, current_user.username)


@bp.route("/models/<key>/instances", methods=["POST"])
@bp.arguments(s.DataIn)
@bp.arguments(s.IncludeArgs, location="query")
@bp.response(201, s.InstanceOut)
@bp.alt_response(400, description=ERRORS[400])
@bp.alt_response(403, description=ERRORS[403])
@bp.alt_response(404, description=ERRORS[404])
def start(body, args, key):
    """Start an item of procedure ``key`` with its start form data.

    The answer is the item with its tasks; ``?include=history`` adds its history.
    """
    instance_id = service.start(engine(), key, current_user.username, body["data"])
    return _item_after(instance_id, args)


def _item_after(instance_id: int, args: dict) -> dict:
    """Return the item a write just changed: its tasks, its history only when asked for."""
    with reading() as db:  # committed already: the answer need not wait for the write lock
        return service.item_detail(db, instance_id, history=args.get("include") == "history")


@bp.route("/tasks")
@bp.arguments(s.InboxArgs, location="query")
@bp.response(200, s.InboxPage)
def tasks(args):
    """The inbox: tab mine / claimable / done / started, filters, paging and counts."""
    query = query_of(args, int(current_app.config["PER_PAGE"]))
    with transaction() as db:
        return page_of(db, current_user.username, query, now(), set(roles()))


def _detail(task_id: str) -> TaskDetail:
    with transaction() as db:
        return service.task_for(db, task_id, current_user.username, set(roles()))


@bp.route("/tasks/<task_id>")
@bp.response(200, s.TaskDetail)
@bp.alt_response(403, description=ERRORS[403])
@bp.alt_response(404, description=ERRORS[404])
def task(task_id):
    """A task with its form schema, saved draft and the item's current data."""
    return _detail(task_id)


@bp.route("/tasks/<task_id>/claim", methods=["POST"])
@bp.response(200, s.TaskDetail)
@bp.alt_response(403, description=ERRORS[403])
@bp.alt_response(404, description=ERRORS[404])
@bp.alt_response(409, description=ERRORS[409])
def claim(task_id):
    """Claim a pool task (the user must hold its role)."""
    service.claim(engine(), task_id, current_user.username)
    return _detail(task_id)


@bp.route("/tasks/<task_id>/unclaim", methods=["POST"])
@bp.response(200, s.TaskDetail)
@bp.alt_response(403, description=ERRORS[403])
@bp.alt_response(404, description=ERRORS[404])
@bp.alt_response(409, description=ERRORS[409])
def unclaim(task_id):
    """Give a claimed pool task back to its queue."""
    service.unclaim(engine(), task_id, current_user.username)
    return _detail(task_id)


@bp.route("/tasks/<task_id>/complete", methods=["POST"])
@bp.arguments(s.DataIn)
@bp.arguments(s.CompleteArgs, location="query")
@bp.response(200, s.InstanceOut)
@bp.alt_response(400, description=ERRORS[400])
@bp.alt_response(403, description=ERRORS[403])
@bp.alt_response(404, description=ERRORS[404])
@bp.alt_response(409, description=ERRORS[409])
def complete(body, args, task_id):
    """Complete a task with its form data; 400 lists the errors of each field.

    With ``?claim=true`` an unclaimed pool task the user may claim is claimed and
    completed in one transaction (no separate claim request). A repeat by the user who just completed it
    (a double tap, a retry after a lost answer) is their own success: 200 with the item
    as now. Anyone else gets 409. The answer is the item with its tasks (the next ones
    open); ``?include=history`` adds its history.
    """
    instance_id = service.complete(engine(), task_id, current_user.username, body["data"],
                                   repeat_ok=True, claim=args.get("claim", False),
                                   viewer_roles=set(roles()))
    return _item_after(instance_id, args)


@bp.route("/tasks/<task_id>/draft", methods=["PUT"])
@bp.arguments(s.DataIn)
@bp.response(200, s.TaskDetail)
@bp.alt_response(403, description=ERRORS[403])
@bp.alt_response(404, description=ERRORS[404])
@bp.alt_response(409, description=ERRORS[409])
def draft(body, task_id):
    """Keep unfinished form data on the task without completing it."""
    service.save_draft(engine(), task_id, current_user.username, body["data"])
    return _detail(task_id)


def _instance(instance_id: int) -> dict:
    with transaction() as db:
        return service.item_for(db, instance_id, current_user.username)


@bp.route("/instances/<int:instance_id>")
@bp.response(200, s.InstanceOut)
@bp.alt_response(403, description=ERRORS[403])
@bp.alt_response(404, description=ERRORS[404])
def instance(instance_id):
    """An item: status, tasks, history and its progress line (stages, who, when)."""
    with transaction() as db:
        return service.item_with_progress(db, instance_id, current_user.username)


@bp.route("/instances/<int:instance_id>/history")
@bp.response(200, s.EventOut(many=True))
@bp.alt_response(403, description=ERRORS[403])
@bp.alt_response(404, description=ERRORS[404])
def history(instance_id):
    """An item's hash-chained history, oldest first."""
    return _instance(instance_id)["history"]


@bp.route("/instances/<int:instance_id>/diagram")
@bp.response(200, s.DiagramOut)
@bp.alt_response(403, description=ERRORS[403])
@bp.alt_response(404, description=ERRORS[404])
def instance_diagram(instance_id):
    """The pinned model version's BPMN XML and the state of each element."""
    return item_service.item_diagram(engine(), instance_id, current_user.username,
                                     staff_labels=False)


@bp.route("/instances/<int:instance_id>/comments")
class Comments(MethodView):
    @bp.response(200, s.CommentOut(many=True))
    @bp.alt_response(403, description=ERRORS[403])
    @bp.alt_response(404, description=ERRORS[404])
    def get(self, instance_id):
        """The item's comments."""
        return item_service.comments(engine(), instance_id, current_user.username)

    @bp.arguments(s.CommentIn)
    @bp.response(201, s.CommentOut(many=True))
    @bp.alt_response(400, description=ERRORS[400])
    @bp.alt_response(403, description=ERRORS[403])
    @bp.alt_response(404, description=ERRORS[404])
    def post(self, body, instance_id):
        """Add a comment to the item."""
        item_service.comment(engine(), instance_id, current_user.username, body["body"])
        return item_service.comments(engine(), instance_id, current_user.username)


@bp.route("/instances/<int:instance_id>/attachments")
class Attachments(MethodView):
    @bp.response(200, s.AttachmentOut(many=True))
    @bp.alt_response(403, description=ERRORS[403])
    @bp.alt_response(404, description=ERRORS[404])
    def get(self, instance_id):
        """The item's attachments with the source each states (null: none given)."""
        return item_service.attachments(engine(), instance_id, current_user.username)

    @bp.arguments(s.UploadIn, location="form", content_type="multipart/form-data")
    @bp.response(201, s.AttachmentOut)
    @bp.alt_response(400, description=ERRORS[400])
    @bp.alt_response(403, description=ERRORS[403])
    @bp.alt_response(404, description=ERRORS[404])
    @bp.alt_response(413, description="文件过大")
    def post(self, body, instance_id):
        """Attach an image, PDF or video (multipart ``file``) with its optional ``source``."""
        upload = request.files.get("file")
        data = upload.read() if upload else b""
        limit = int(float(current_app.config["MAX_UPLOAD_MB"]) * 1048576)
        new = item_service.attach(engine(), blobs(), instance_id, current_user.username,
                                  upload.filename if upload else None, data, limit,
                                  body.get("source"))
        return item_service.attachment(engine(), new, current_user.username)


@bp.route("/attachments/<int:attachment_id>", methods=["PATCH"])
@bp.arguments(s.SourceIn)
@bp.response(200, s.AttachmentOut)
@bp.alt_response(400, description=ERRORS[400])
@bp.alt_response(403, description=ERRORS[403])
@bp.alt_response(404, description=ERRORS[404])
@bp.alt_response(409, description="稿件已离开拟稿环节，来源已固定")
def attachment_source(body, attachment_id):
    """Set or clear an attachment's source: only its post's drafter, only while drafting."""
    return item_service.set_source(engine(), attachment_id, current_user.username, body["source"])


@bp.route("/prescreen", methods=["POST"])
@bp.arguments(s.PrescreenIn)
@bp.response(200, s.PrescreenOut)
@bp.alt_response(400, description=ERRORS[400])
@bp.alt_response(409, description="预审规则无法使用")
def prescreen(body):
    """Pre-screen a post against 第七、九、十条: what a reviewer must look at (never a verdict)."""
    with reading() as db:  # screening writes nothing, so it never waits for the write lock
        rules = prescreen_service.rules_in_use(db)
    return prescreen_service.screen_post(rules, body["text"], body.get("attachments", ())).as_dict()
