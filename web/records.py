"""Printable records as print-ready HTML and as PDF (WeasyPrint).

Each record's title, procedures and rows are data (``records/*.yaml``,
:mod:`engine.audit.layouts`); its ``layout`` picks the template: 附件1 and 附件2
keep the paper forms' own (``record_form1/2.html``), any other record is a table.

The PDF is the same page rendered by WeasyPrint; Chinese text needs a CJK font
on the machine (Debian ``fonts-noto-cjk``, installed by ``make system-deps``).
"""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, render_template, request
from flask_login import login_required

from engine.app.audit import record

from .audit import require_audit
from .services import transaction

bp = Blueprint("records", __name__, url_prefix="/audit/items")


@bp.before_request
@login_required
def _guard():
    require_audit()


def _page(instance_id: int, pdf: bool) -> str:
    with transaction() as db:
        rec = record(db, instance_id)
    return render_template(f"record_{rec['kind']}.html", rec=rec, title=rec["layout"]["title"], pdf=pdf)


@bp.route("/<int:instance_id>/record")
def show(instance_id: int):
    """Show the item's paper record, ready to print."""
    return _page(instance_id, pdf=False)


@bp.route("/<int:instance_id>/record.pdf")
def pdf(instance_id: int):
    """Return the item's paper record as a PDF."""
    from weasyprint import HTML  # loaded on first use: it pulls in Pango

    html = _page(instance_id, pdf=True)
    body = HTML(string=html, base_url=request.url_root).write_pdf()
    response = Response(body, mimetype="application/pdf")
    name = f"审批表-事项{instance_id}.pdf"
    response.headers["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(name)}"
    return response
