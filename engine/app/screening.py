"""The pre-screen as the reviewers meet it: stored with the step, shown beside the post.

The screening itself (:mod:`engine.prescreen`) reads a text and names what may break
the measures (第七条、第九条、第十条).  This service decides when it runs and what is
kept: a drafting step records the findings of the post it submitted in its own history
event (``prescreen``), so the timeline, replay and 附件2 show what the reviewers were
shown — data recorded by the step, never recomputed at replay.  A reviewer opening the
task is shown the findings stored for the post as it now stands; only a post changed
since (an item drafted before screening existed) is screened afresh.

The pre-screen never approves or returns anything: it marks.  The one rule it adds is
the reviewers': approving over a high-severity finding needs a written reason.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from typing import Any

from sqlalchemy.orm import Session

from engine import prescreen
from engine.app import prescreen as rule_sets
from engine.audit.history import events_of
from engine.base.errors import Invalid, Refused
from engine.prescreen.patterns import PatternTimeout

POST_FIELDS = ("title", "body", "source")
SEPARATOR = "\n\n"
LABELS = (("title", ""), ("body", ""), ("source", "信息来源："))
FIELD_ORDER = {"title": 0, "body": 1, "source": 2, "post": 3, "attachment": 4}
SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}
REASON_FIELD = "prescreen_reason"
# the checklist's items (forms/_shared/checklist.json), for pages without the checklist
CHECKLIST_TITLES = {"political": "政治性与纪律性", "scientific": "科学性与真实性",
                    "lawful": "合法性与保密性", "public_interest": "公益性", "form": "规范性",
                    "forbidden": "禁止发布内容"}
UNAVAILABLE = "机器预审规则暂不可用，本稿未经机器预审：请按核查表逐项人工核查。"
SEVERITY_TITLES = {"high": "高", "medium": "中", "low": "低"}
REASON_MISSING = "机器预审提示中有高风险项：审核通过须在「越过高风险提示的理由」中写明理由。"


def rules_for(session: Session) -> prescreen.RuleSet | None:
    """Return the rules in use (the newest deployed version); None when they cannot be read."""
    try:
        return rule_sets.rules_in_use(session)
    except Refused:
        return None  # the post is then shown unscreened, and says so


def post_key(values: dict[str, Any], attachments: Sequence[dict[str, Any]] = ()) -> str:
    """Return a digest of what a screening reads: which version of the post it saw."""
    text = "\x00".join([*(str(values.get(name) or "") for name in POST_FIELDS),
                        *(_file_key(a) for a in attachments)])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _file_key(attachment: dict[str, Any]) -> str:
    """Return what a screening read of one file; a file without a source reads as before
    sources existed, so the screenings stored then still match their post."""
    key = f"{attachment.get('name')}|{attachment.get('kind')}"
    return f"{key}|{attachment['source']}" if attachment.get("source") else key


def is_post(values: dict[str, Any]) -> bool:
    """Tell whether ``values`` hold a post to screen (a drafted body)."""
    return bool(str(values.get("body") or "").strip())


def screened_files(attachments: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return the item's attachments as the screening reads them (name, kind, stated source).

    An image whose author stated no source is what 第九条's check names; one with a
    source is not flagged.
    """
    return [{"name": a.get("filename") or "", "kind": a.get("mime") or "",
             "source": a.get("source") or ""} for a in attachments]


def segments(values: dict[str, Any]) -> tuple[str, list[tuple[str, int, str]]]:
    """Return the post read as one text, and ``[(field, offset, value)]`` of its fields.

    The rules read the whole post at once (a repost names its source anywhere in it);
    each finding is then put back into the field its offsets fall in.
    """
    whole, parts = "", []
    for name, label in LABELS:
        value = str(values.get(name) or "")
        whole += (SEPARATOR if whole else "") + label
        parts.append((name, len(whole), value))
        whole += value
    return whole, parts


def screen_post(values: dict[str, Any], attachments: Sequence[dict[str, Any]] = (),
                rules: prescreen.RuleSet | None = None) -> dict[str, Any]:
    """Screen the post (title, body, source, attachments); return the screening as stored."""
    key = post_key(values, attachments)
    if rules is None:
        return {"rules": None, "post": key, "findings": [], "unavailable": UNAVAILABLE}
    whole, parts = segments(values)
    try:
        screened = prescreen.screen(whole, attachments=attachments, rules=rules)
    except PatternTimeout:  # a rule ran past its bound: the step goes on, the post shown unscreened
        return {"rules": rules.version, "post": key, "findings": [], "unavailable": UNAVAILABLE}
    found = [_placed(f, parts, attachments) for f in screened]
    found.sort(key=lambda f: (SEVERITY_ORDER.get(f["severity"], 3), FIELD_ORDER.get(f["field"], 9),
                              f["start"], f["end"]))
    return {"rules": rules.version, "post": key, "findings": found}


def _placed(finding: Any, parts: list[tuple[str, int, str]],
            attachments: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Return one finding as plain data, its offsets moved into the field they fall in."""
    data = {k: v for k, v in asdict(finding).items() if k != "attachment"}
    if finding.attachment is not None:
        name = str(attachments[finding.attachment].get("name") or "")
        return {**data, "field": "attachment", "start": 0, "end": 0, "text": name}
    for name, at, value in parts:
        if finding.start < finding.end and at <= finding.start < at + len(value):
            end = min(finding.end, at + len(value))
            return {**data, "field": name, "start": finding.start - at, "end": end - at,
                    "text": value[finding.start - at:end - at]}
    return {**data, "field": "post", "start": 0, "end": 0}  # something missing, or in a label


def stored_screening(session: Session, instance_id: int) -> dict[str, Any] | None:
    """Return the last screening a drafting step of the item recorded, if any."""
    for event in reversed(events_of(session, instance_id)):
        found = (event.payload or {}).get("prescreen")
        if event.type == "task_completed" and isinstance(found, dict) and found.get("drafted"):
            return {**found, "seq": event.seq}
    return None


def shown(session: Session, instance_id: int, values: dict[str, Any],
          attachments: Sequence[dict[str, Any]] = (),
          rules: prescreen.RuleSet | None = None) -> dict[str, Any] | None:
    """Return the findings a reviewer is shown for the post as it now stands (None: no post).

    The drafting step's stored screening when it saw this very text; else the post is
    screened now (``stored`` False) — it changed since, or was drafted before screening.
    """
    if not is_post(values):
        return None
    kept = stored_screening(session, instance_id)
    if kept is not None and kept.get("post") == post_key(values, attachments):
        return {**kept, "stored": True}
    return {**screen_post(values, attachments, rules), "stored": False, "seq": None}


def high(screening: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Return the screening's high-severity findings."""
    return [f for f in (screening or {}).get("findings", []) if f.get("severity") == "high"]


def attention(screening: dict[str, Any] | None) -> dict[str, list[dict[str, Any]]]:
    """Return ``{checklist item: findings}``: the items a reviewer should look at first."""
    items: dict[str, list[dict[str, Any]]] = {}
    for finding in (screening or {}).get("findings", []):
        items.setdefault(finding.get("checklist") or "", []).append(finding)
    items.pop("", None)
    return items


def approves(form_schema: dict | None, data: dict[str, Any]) -> bool:
    """Tell whether ``data`` approves on a review form (its ``decision`` offers approve)."""
    decision = ((form_schema or {}).get("properties") or {}).get("decision") or {}
    offered = decision.get("enum") or ["approve"]  # a $ref'd decision offers approve
    return data.get("decision") == "approve" and "approve" in offered


def reason_of(form_schema: dict | None, data: dict[str, Any]) -> str:
    """Return the written reason: the form's own field, else its comment (an older form)."""
    props = (form_schema or {}).get("properties") or {}
    name = REASON_FIELD if REASON_FIELD in props else "comment"
    return str(data.get(name) or "").strip()


def check_reason(form_schema: dict | None, data: dict[str, Any],
                 screening: dict[str, Any] | None) -> None:
    """Refuse an approval over a high-severity finding without a written reason."""
    if not high(screening) or not approves(form_schema, data) or reason_of(form_schema, data):
        return
    props = (form_schema or {}).get("properties") or {}
    field = REASON_FIELD if REASON_FIELD in props else "comment"
    raise Invalid(REASON_MISSING, {field: [REASON_MISSING]})


def drafting(form_schema: dict | None) -> bool:
    """Tell whether a form drafts the post (it carries the body)."""
    return "body" in ((form_schema or {}).get("properties") or {})


def step_facts(form_schema: dict | None, values: dict[str, Any], data: dict[str, Any],
               screening: dict[str, Any] | None, attachments: Sequence[dict[str, Any]] = (),
               rules: prescreen.RuleSet | None = None) -> dict[str, Any]:
    """Return what a completing step records of the pre-screen (``{}`` when it has no post).

    A drafting step records the screening of the post it submits; any other step of a
    post (a review) records the screening it was shown, and the reason it gave.
    """
    if drafting(form_schema):
        post = {**values, **{k: v for k, v in data.items() if k in POST_FIELDS}}
        if not is_post(post):
            return {}
        return {"prescreen": {**screen_post(post, attachments, rules), "drafted": True}}
    if screening is None:
        return {}
    kept = {k: screening[k] for k in ("rules", "post", "findings", "stored", "seq", "unavailable")
            if k in screening}
    return {"prescreen": {**kept, "drafted": False}}


def summary(findings: Iterable[dict[str, Any]]) -> dict[str, int]:
    """Return how many findings there are of each severity."""
    counts = dict.fromkeys(SEVERITY_ORDER, 0)
    for finding in findings:
        counts[finding.get("severity", "low")] = counts.get(finding.get("severity", "low"), 0) + 1
    return counts
