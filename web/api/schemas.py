"""Marshmallow schemas of the REST API (requests and responses)."""

from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from engine.app.inbox import MAX_PER_PAGE, TAB_NAMES
from engine.app.prescreen import MAX_ATTACHMENTS as PRESCREEN_MAX_ATTACHMENTS
from engine.app.prescreen import MAX_CHARS as PRESCREEN_MAX_CHARS
from engine.app.vocabulary import MAX_SOURCE
from engine.base import text

from ..input_guard import INT64_MAX

MSG: dict[str, str | list | dict] = {"required": "此项为必填项。", "null": "此项不能为空。", "invalid": "格式不正确。"}


def _no_controls(multiline: bool):
    def check(value: str) -> None:
        if not text.is_clean(value, multiline):
            raise ValidationError(text.message(multiline))
    return check


class SingleLine(fields.String):
    """A name, title or search term: no CR/LF, NUL or other control character."""

    def __init__(self, *args, **kwargs):
        kwargs["validate"] = [_no_controls(False), *_as_list(kwargs.get("validate"))]
        super().__init__(*args, **kwargs)


class MultiLine(fields.String):
    """A comment or body: line breaks and tabs allowed, other control characters not."""

    def __init__(self, *args, **kwargs):
        kwargs["validate"] = [_no_controls(True), *_as_list(kwargs.get("validate"))]
        super().__init__(*args, **kwargs)


def _as_list(checks) -> list:
    return [] if checks is None else list(checks) if isinstance(checks, list | tuple) else [checks]


class Base(Schema):
    error_messages = {"unknown": "不支持的字段。", "type": "请求体必须是 JSON 对象。"}


class InboxArgs(Base):
    tab = fields.String(validate=validate.OneOf(list(TAB_NAMES), error="未知的标签页。"),
                        metadata={"description": "mine | claimable | done | started"})
    model = SingleLine(validate=validate.Length(max=100))
    q = SingleLine(validate=validate.Length(max=100, error="搜索词不能超过 100 个字符。"),
                      metadata={"description": "标题包含的文字"})
    department = fields.Integer(validate=validate.Range(min=-INT64_MAX, max=INT64_MAX),
                                error_messages={**MSG, "invalid": "科室编号必须是整数。"})
    account = fields.Integer(validate=validate.Range(min=-INT64_MAX, max=INT64_MAX),
                             error_messages={**MSG, "invalid": "账号编号必须是整数。"},
                             metadata={"description": "平台账号编号"})
    tier = fields.Integer(validate=validate.OneOf([1, 2, 3], error="平台级别只能是 1、2、3。"),
                          error_messages={**MSG, "invalid": "平台级别必须是整数。"})
    since = fields.Date(error_messages={**MSG, "invalid": "请输入有效日期 (YYYY-MM-DD)。"})
    until = fields.Date(error_messages={**MSG, "invalid": "请输入有效日期 (YYYY-MM-DD)。"})
    page = fields.Integer(validate=validate.Range(min=1, max=1_000_000,
                                                  error="页码应在 1 到 1000000 之间。"),
                          error_messages={**MSG, "invalid": "页码必须是整数。"})
    per_page = fields.Integer(validate=validate.Range(min=1, max=MAX_PER_PAGE,
                                                      error=f"每页 1 到 {MAX_PER_PAGE} 条。"),
                              error_messages={**MSG, "invalid": "每页条数必须是整数。"})


class LoginIn(Base):
    username = SingleLine(required=True, validate=validate.Length(min=1, max=64),
                             error_messages=MSG)
    password = fields.String(required=True, validate=validate.Length(min=1, max=200),
                             error_messages=MSG)


class Me(Schema):
    username = fields.String()
    display_name = fields.String()
    department = fields.String(allow_none=True)
    roles = fields.List(fields.String())


class TokenOut(Me):
    token = fields.String(metadata={"description": "Authorization: Bearer <token>"})


class DataIn(Base):
    data = fields.Dict(required=True, error_messages={**MSG, "invalid": "data 必须是对象。"},
                       metadata={"description": "表单数据，按任务的 form_schema 填写"})


class IncludeArgs(Base):
    include = fields.String(validate=validate.OneOf(["history"], error="include 只能是 history。"),
                            metadata={"description": "history: the answer carries the item's "
                                      "whole history too (by default only its tasks)"})


class CompleteArgs(IncludeArgs):
    claim = fields.Boolean(metadata={"description": "true: an unclaimed pool task you may claim "
                                     "is claimed and completed in one transaction"})


class CommentIn(Base):
    body = MultiLine(required=True, error_messages=MSG)


class UploadIn(Schema):
    """A multipart upload: the file and, optionally, its stated source."""

    class Meta:
        unknown = EXCLUDE  # a form may carry csrf_token; the file part is read as a file

    file = Upload(metadata={"description": "图片、PDF 或视频（按文件内容识别）"})
    source = fields.String(allow_none=True, metadata={
        "description": f"图片来源（选填，至多 {MAX_SOURCE} 字，去除首尾空白；空则无来源）"})


class SourceIn(Base):
    source = fields.String(required=True, allow_none=True, error_messages=MSG, metadata={
        "description": f"图片来源：至多 {MAX_SOURCE} 字，单行；null 或空白则清除"})


class AttachmentOut(Schema):
    id = fields.Integer()
    instance_id = fields.Integer()
    filename = fields.String()
    mime = fields.String()
    kind = fields.String(metadata={"description": "图片、PDF 或视频"})
    size = fields.Integer()
    sha256 = fields.String()
    uploaded_by = fields.String()
    uploaded_by_name = fields.String()
    uploaded_at = fields.String()
    source = fields.String(allow_none=True, metadata={"description": "作者注明的来源；null 为未注明"})


class Returned(Schema):
    by = fields.String()
    by_name = fields.String()
    role = fields.String(allow_none=True)
    task_name = fields.String(allow_none=True)
    comment = fields.String()
    at = fields.String()
    decision = fields.String()
    failing = fields.List(fields.String())


class TaskFields(Schema):
    """What every view of a task carries: the inbox row and the task detail."""

    id = fields.String()
    instance_id = fields.Integer()
    model = fields.String()
    title = fields.String()
    name = fields.String()
    spec = fields.String()
    role = fields.String()
    role_title = fields.String()
    pool = fields.Boolean()
    assignee = fields.String(allow_none=True)
    status = fields.String()
    created_at = fields.String()
    due_at = fields.String(allow_none=True)
    completed_by = fields.String(allow_none=True)
    completed_at = fields.String(allow_none=True)


class TaskRow(TaskFields):
    model_name = fields.String()
    assignee_name = fields.String(allow_none=True)
    department_id = fields.Integer(allow_none=True)
    initiator = fields.String()
    initiator_name = fields.String(allow_none=True)
    waiting_seconds = fields.Integer(allow_none=True)
    overdue = fields.Boolean()
    returned = fields.Nested(Returned, allow_none=True)


class ItemRow(Schema):
    instance_id = fields.Integer()
    model = fields.String()
    model_name = fields.String()
    title = fields.String()
    status = fields.String()
    initiator = fields.String()
    department_id = fields.Integer(allow_none=True)
    started_at = fields.String()
    ended_at = fields.String(allow_none=True)
    stages = fields.List(fields.String())


class InboxPage(Schema):
    tab = fields.String()
    rows = fields.List(fields.Dict(), metadata={
        "description": "TaskRow for mine/claimable/done, ItemRow for started"})
    total = fields.Integer()
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    page = fields.Integer()
    per_page = fields.Integer()
    pages = fields.Integer()


class Finding(Schema):
    """One pre-screen finding: a span of the post's title or body and the rule it may break."""

    field = fields.String(metadata={"description": "title or body: the text the offsets are in"})
    rule = fields.String()
    category = fields.String(metadata={"description": "privacy, advertising, epidemic, form or forbidden"})
    article = fields.String(metadata={"description": "the article of the measures, e.g. 第七条三"})
    severity = fields.String(metadata={"description": "high, medium or low"})
    start = fields.Integer()
    end = fields.Integer()
    text = fields.String()
    message = fields.String()
    checklist = fields.String(metadata={"description": "the checklist item it concerns"})


class Prescreen(Schema):
    """The pre-screen's findings on the task's post (机器预审提示): a prompt, never a verdict."""

    rules = fields.String(allow_none=True, metadata={"description": "the version of the screening rules"})
    post = fields.String(metadata={"description": "digest of the screened title and body"})
    stored = fields.Boolean(metadata={"description": "recorded by the drafting step (else screened now)"})
    seq = fields.Integer(allow_none=True, metadata={"description": "the event that recorded it"})
    draft = fields.Boolean(metadata={"description": "while drafting: screened from the saved draft"})
    unavailable = fields.String(metadata={"description": "why the post could not be screened"})
    findings = fields.List(fields.Nested(Finding))


class TaskDetail(TaskFields):
    model_version = fields.Integer()
    form = fields.String()
    review_stage = fields.Boolean()
    form_schema = fields.Dict(allow_none=True)
    draft = fields.Dict(allow_none=True)
    values = fields.Dict()
    prescreen = fields.Nested(Prescreen, allow_none=True, metadata={
        "description": "approving over a high finding needs prescreen_reason (400 without)"})


class ModelEntry(Schema):
    key = fields.String()
    name = fields.String()
    version = fields.Integer()
    start_role = fields.String()
    start_role_title = fields.String()
    documentation = fields.String()
    start_form = fields.String(allow_none=True)
    form_schema = fields.Dict(allow_none=True)


class EventOut(Schema):
    seq = fields.Integer()
    type = fields.String()
    at = fields.String()
    actor = fields.String(allow_none=True)
    role = fields.String(allow_none=True)
    task_id = fields.String(allow_none=True)
    task_spec = fields.String(allow_none=True)
    payload = fields.Dict()
    hash = fields.String()
    prev_hash = fields.String()


class InstanceOut(Schema):
    id = fields.Integer()
    model = fields.String()
    model_version = fields.Integer()
    title = fields.String()
    status = fields.String()
    initiator = fields.String()
    department_id = fields.Integer(allow_none=True)
    started_at = fields.String()
    ended_at = fields.String(allow_none=True)
    revision = fields.Integer()
    tasks = fields.List(fields.Dict())
    history = fields.List(fields.Nested(EventOut), metadata={
        "description": "the item's history: always on GET, on start and complete with ?include=history"})
    progress = fields.Dict(metadata={"description": "path taken; stages with who and when"})


class DiagramOut(Schema):
    xml = fields.String()
    states = fields.Dict(keys=fields.String(), values=fields.String())
    model = fields.String()
    version = fields.Integer()


class CommentOut(Schema):
    id = fields.Integer()
    author = fields.String()
    author_name = fields.String()
    at = fields.String()
    body = fields.String()


class Ok(Schema):
    ok = fields.Boolean()
    instance_id = fields.Integer()
    status = fields.String()


class ErrorOut(Schema):
    """Every error answer of the API (see ``web.errors.answer``)."""

    status = fields.Integer(required=True, metadata={"description": "HTTP 状态码"})
    title = fields.String(required=True, metadata={"description": "错误类别（中文）"})
    message = fields.String(required=True, metadata={"description": "说明（中文）"})
    errors = fields.Raw(metadata={"description": "各字段的错误信息：字段名到信息列表（可嵌套）"})


class PrescreenAttachment(Base):
    name = SingleLine(required=True, validate=validate.Length(min=1, max=500), error_messages=MSG)
    kind = SingleLine(validate=validate.Length(max=100), metadata={"description": "如 image；或按文件名判断"})
    type = SingleLine(validate=validate.Length(max=100), metadata={"description": "MIME 类型，如 image/jpeg"})
    source = SingleLine(validate=validate.Length(max=500), metadata={"description": "图片来源；空则提示未注明来源"})


class PrescreenIn(Base):
    text = MultiLine(required=True, validate=validate.Length(
        min=1, max=PRESCREEN_MAX_CHARS, error=f"正文须为 1 到 {PRESCREEN_MAX_CHARS} 个字符。"), error_messages=MSG,
        metadata={"description": "待预审的正文"})
    attachments = fields.List(fields.Nested(PrescreenAttachment), validate=validate.Length(
        max=PRESCREEN_MAX_ATTACHMENTS, error=f"附件不能超过 {PRESCREEN_MAX_ATTACHMENTS} 个。"),
        error_messages={**MSG, "invalid": "attachments 必须是列表。"})


class PrescreenFinding(Schema):
    rule = fields.String(metadata={"description": "规则编号，如 privacy.mobile"})
    category = fields.String(metadata={"description": "privacy | advertising | epidemic | form | forbidden"})
    article = fields.String(metadata={"description": "所依条款，如 第七条三"})
    severity = fields.String(metadata={"description": "high | medium | low"})
    start = fields.Integer(metadata={"description": "在正文中的起始字符位置"})
    end = fields.Integer(metadata={"description": "结束字符位置（不含）；缺项类发现为空区间"})
    text = fields.String(metadata={"description": "正文中的原文片段"})
    message = fields.String(metadata={"description": "给审核人的说明"})
    checklist = fields.String(metadata={
        "description": "对应的核查项：political、scientific、lawful、public_interest、form、forbidden"})
    attachment = fields.Integer(allow_none=True, metadata={"description": "涉及的附件序号（从 0 起）"})


class PrescreenOut(Schema):
    findings = fields.List(fields.Nested(PrescreenFinding))
    rules_version = fields.String(metadata={"description": "所用预审规则版本（内容哈希）"})
