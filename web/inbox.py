"""The inbox page (待办): tabs, filters, paging."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from marshmallow import ValidationError

from engine.app import inbox as service
from engine.app.inbox import FILTER_KEYS, TAB_TITLES, InboxQuery, query_of
from engine.base.errors import Invalid
from engine.org.policy import lands_on_audit

from .api.schemas import InboxArgs
from .services import now, roles, transaction

bp = Blueprint("inbox", __name__)


def inbox_query(args, per_page: int) -> InboxQuery:
    """Read tab, filters and page from query arguments; Invalid on bad values."""
    try:
        parsed = InboxArgs().load({k: v for k, v in args.items() if v != ""})
    except ValidationError as err:
        raise Invalid("筛选条件有误。", err.messages_dict) from None
    return query_of(parsed, per_page)


@bp.route("/")
@login_required
def index():
    """Send each person home: auditors to 审计 (they have no tasks), everyone else to 待办."""
    if lands_on_audit(roles()):
        return redirect(url_for("audit.index"))
    return redirect(url_for("inbox.tabs"))


@bp.route("/favicon.ico")
def favicon():
    return redirect(url_for("static", filename="favicon.svg"), 301)


@bp.route("/inbox")
@login_required
def tabs():
    """Show one tab of the signed-in user's inbox."""
    query = inbox_query(request.args, int(current_app.config["PER_PAGE"]))
    with transaction() as db:
        page = service.page_of(db, current_user.username, query, now())
        offered = service.choices(db)
    args = {k: v for k, v in request.args.items() if k in FILTER_KEYS and v}
    return render_template("inbox.html", page=page, tabs=TAB_TITLES, models=offered.models,
                           departments=offered.departments, accounts=offered.accounts,
                           args=args, now=now())
