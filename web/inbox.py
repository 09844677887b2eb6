"""The inbox page (待办): tabs, filters, paging."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from marshmallow import ValidationError

from engine.base.errors import Invalid
from engine.model.catalog import model_choices
from engine.org.people import departments
from engine.read.inbox import TAB_TITLES, InboxQuery, inbox
from engine.registry import accounts

from .api.schemas import InboxArgs
from .services import now, transaction

bp = Blueprint("inbox", __name__)
FILTER_KEYS = ("q", "model", "account", "tier", "department", "since", "until")


def inbox_query(args, per_page: int) -> InboxQuery:
    """Read tab, filters and page from query arguments; Invalid on bad values."""
    try:
        parsed = InboxArgs().load({k: v for k, v in args.items() if v != ""})
    except ValidationError as err:
        raise Invalid("筛选条件有误。", err.messages_dict) from None
    return query_of(parsed, per_page)


def query_of(parsed: dict, per_page: int) -> InboxQuery:
    """Build the engine's inbox query from already validated arguments."""
    filters = {k: parsed[k] for k in FILTER_KEYS if k in parsed}
    return InboxQuery(parsed.get("tab", "mine"), filters, parsed.get("page", 1),
                      parsed.get("per_page", per_page))


@bp.route("/")
@login_required
def index():
    """Send each person home: auditors to 审计 (they have no tasks), everyone else to 待办."""
    if "auditor" in current_user.info["roles"]:
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
        page = inbox(db, current_user.username, query, now())
        models, depts = model_choices(db), departments(db)
        platform_accounts = [{"id": a.id, "name": a.account_name, "tier": a.tier}
                             for a in accounts.active(db, (1, 2, 3))]
    args = {k: v for k, v in request.args.items() if k in FILTER_KEYS and v}
    return render_template("inbox.html", page=page, tabs=TAB_TITLES, models=models,
                           departments=depts, accounts=platform_accounts, args=args, now=now())
