"""Error answers: JSON for the API, Chinese pages elsewhere, never a traceback."""

from __future__ import annotations

from flask import Flask, current_app, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from engine.base.errors import Refused

TITLES = {
    400: "请求有误", 401: "需要登录", 403: "无权操作", 404: "页面或对象不存在",
    405: "不支持的请求方式", 409: "操作冲突", 413: "文件过大", 429: "尝试过于频繁",
    500: "服务器内部错误",
}
HINTS = {
    400: "提交的内容有误，请检查后重试。", 401: "请先登录。",
    403: "您没有执行此操作的权限，数据未作任何更改。", 404: "您要找的页面或事项不存在。",
    409: "该任务或事项已被他人处理或修改，请刷新后重试。", 413: "上传的文件超过了允许的大小。",
    429: "请稍后再试。", 500: "服务器出现错误，已记录。请稍后重试或联系信息科。",
}


def wants_json() -> bool:
    """Return True for API calls and clients that ask for JSON."""
    if request.path.startswith("/api/") or request.path == "/api":
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > \
        request.accept_mimetypes["text/html"]


def answer(status: int, message: str | None = None, errors: dict | None = None):
    """Return the error response for ``status`` in the form the client wants."""
    message = message or HINTS.get(status, TITLES.get(status, "错误"))
    if wants_json():
        body = {"status": status, "title": TITLES.get(status, "错误"), "message": message}
        if errors:
            body["errors"] = errors
        return jsonify(body), status
    return render_template("error.html", status=status, title=TITLES.get(status, "错误"),
                           message=message, errors=errors or {}), status


def _refused(err: Refused):
    return answer(err.status, err.message, err.errors)


def _http(err: HTTPException):
    data = getattr(err, "data", None) or {}
    errors = data.get("messages") or data.get("errors")
    if isinstance(errors, dict) and len(errors) == 1 and next(iter(errors)) in (
            "json", "query", "form"):
        errors = next(iter(errors.values()))
    message = data.get("message") if isinstance(data.get("message"), str) else None
    if message is None and err.description != type(err).description:
        message = err.description  # given by abort(code, "说明")
    if err.code == 400 and errors:
        message = message or "请求参数有误。"
    return answer(err.code or 500, message, errors)


def _csrf(err: CSRFError):
    return answer(400, "表单已过期或缺少安全令牌（CSRF），请刷新页面后重试。")


def _crash(err: Exception):
    if isinstance(err, HTTPException):
        return _http(err)
    current_app.logger.exception("unhandled error on %s", request.path)
    return answer(500)


def init_app(app: Flask) -> None:
    app.register_error_handler(Refused, _refused)
    app.register_error_handler(CSRFError, _csrf)
    app.register_error_handler(HTTPException, _http)
    app.register_error_handler(InternalServerError, _crash)
    app.register_error_handler(Exception, _crash)
