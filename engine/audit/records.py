"""The printed records, filled from an item's history.

Which procedures a record prints, its title and its rows are data
(:mod:`engine.audit.layouts`, the project's ``records/`` folder): 附件1
(二、三级新媒体平台认证审批表) for account approvals and 附件2
(网络新媒体平台信息发布审批及保密审查表) for post reviews keep the paper forms'
own layout; a new record lists its rows.  Each reviewer's
box is found by the ``recordLabel`` property of the user task they completed
(in the pinned model or the models it calls), and filled from that
``task_completed`` event: who, when, decision, opinion.  A returned draft keeps
every round; the box shows the round that let the item go on.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit.history import events_of
from engine.audit.layouts import Layout, for_procedure
from engine.base.errors import Refused
from engine.model.form_labels import decision_label, described, option_label
from engine.model.specs import version_spec
from engine.org import institution
from engine.org.anonymity import covered
from engine.org.people import display_names
from engine.read.inbox import iso
from engine.run.assignment import ROLE_TITLES
from engine.store.schema import Account, Department, Instance, ModelVersion, Task


def layout_of(model_key: str) -> Layout:
    """Return the record layout of a procedure; refuse items that have no printed record."""
    layout = for_procedure(model_key)
    if layout is None:
        raise Refused(f"流程「{model_key}」没有对应的纸质审批表（附件1 用于账号审批，附件2 用于信息发布审核）。")
    return layout


def record(session: Session, instance_id: int) -> dict[str, Any]:
    """Return everything the printed record of ``instance_id`` shows."""
    inst = session.get(Instance, instance_id)
    if inst is None:
        from engine.base.errors import NotFound

        raise NotFound(f"事项不存在: {instance_id}")
    layout = layout_of(inst.model_key)
    kind = layout.layout
    version = session.get(ModelVersion, inst.model_version_id)
    if version is None:
        raise Refused(f"流程版本不存在: {inst.model_version_id}")
    labels = version_spec(session, version).record_labels()
    events = events_of(session, instance_id)
    names = display_names(session, {e.actor for e in events if e.actor} | {inst.initiator})
    values = _values(events)
    names |= display_names(session, _chosen_people(events))
    forms = _task_forms(session, inst.id, version.forms or {})
    boxes, rounds, drafts = _boxes(events, labels, names, forms, layout.boxes)
    result = {"kind": kind, "layout": _layout_view(layout, institution.read(session).name),
              "instance_id": inst.id, "title": inst.title, "status": inst.status,
              "model": inst.model_key, "model_name": version.name, "model_version": version.version,
              "approved_at": iso(inst.ended_at) or (boxes and max(b["at"] for b in boxes.values())),
              "boxes": boxes, "rounds": rounds, "values": values,
              "initiator_name": names.get(inst.initiator, inst.initiator),
              "department": _department(session, inst.department_id or values.get("department_id")),
              "drafter": drafts[-1] if drafts else None,
              "secrecy": next((r["secrecy"] for r in reversed(rounds) if r["secrecy"]), None),
              "box_titles": {label: title for label, (_role, title) in layout.boxes.items()}
              | {label: box["title"] for label, box in boxes.items()},
              "chain_head": {"seq": inst.event_seq, "hash": inst.event_hash}}
    result.update(_FILLERS[kind](session, inst, values, names, layout.paper))
    result["table_rows"] = [_table_row(row, result) for row in layout.rows]
    result["prescreen"] = _prescreen(events, rounds, layout.prescreen) if layout.prescreen else None
    # a tier-3 item never passes 审稿/核稿/审签: print only the boxes of its own review
    result["paper_boxes"] = kind == "form2" and (not boxes or any(b in boxes for b in layout.boxes))
    return covered(session, instance_id, result)  # 第十九条: the printed record is covered too


def _layout_view(layout: Layout, name: str) -> dict[str, Any]:
    """Return the layout as the page shows it, the institution's name filled in."""
    return {"key": layout.key, "title": layout.full_title, "annex": layout.annex,
            "heading": [line.replace("{institution}", name) for line in layout.heading],
            "rows": list(layout.rows),
            "media": {box: text.replace("{institution}", name) for box, text in layout.media.items()}}


def _values(events) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for event in events:
        if event.type in ("instance_started", "task_completed"):
            values.update((event.payload or {}).get("data") or {})
    return values


def _chosen_people(events) -> set[str]:
    """Return the usernames named in submissions (the experts a joint reviewer chose)."""
    chosen = (((e.payload or {}).get("data") or {}).get("experts") for e in events)
    return {v for c in chosen if isinstance(c, list) for v in c if isinstance(v, str)}


def _task_forms(session: Session, instance_id: int, forms: dict[str, dict]) -> dict[str, dict]:
    """Return ``{task id: form schema}`` for the item's tasks."""
    rows = session.execute(select(Task.id, Task.form_name).where(Task.instance_id == instance_id))
    return {task_id: forms.get(form or "") or {} for task_id, form in rows}


def _signed(event, labels: dict[str, str], names: dict[str, str], form: dict,
            titles: dict[str, tuple[str, str]]) -> dict[str, Any]:
    """Return one signature: who, when, as which role, what they decided, in the form's words."""
    payload, data = event.payload or {}, (event.payload or {}).get("data") or {}
    # a multi-instance task (one per expert) runs as SpiffWorkflow's "<id> [child]"
    label = labels.get((event.task_spec or "").removesuffix(" [child]"))
    secrecy = (form.get("properties") or {}).get("secrecy")
    return {"name": names.get(event.actor, event.actor), "username": event.actor,
            "at": iso(event.at), "decision": payload.get("decision"),
            "decision_label": decision_label(form, payload.get("decision")),
            "comment": payload.get("comment") or "", "task_name": payload.get("task_name"),
            "label": label, "role": event.role, "title": _box_title(label, event.role, titles),
            "secrecy": option_label(secrecy, data["secrecy"]) if secrecy and data.get("secrecy") else None,
            "prescreen_reason": str(data.get("prescreen_reason") or "").strip(),
            "fields": [f for f in described(form, data, names)
                       if f["name"] not in ("secrecy", "prescreen_reason")]}


def _box_title(label: str | None, role: str | None,
               titles: dict[str, tuple[str, str]]) -> str | None:
    """Title a paper box by who signed it (a department head's 审稿 is not 相关职能科审稿)."""
    if label not in titles:
        return label
    own_role, title = titles[label]
    return title if role in (own_role, None) else f"{ROLE_TITLES.get(role, role)}{label}"


def _boxes(events, labels: dict[str, str], names: dict[str, str], forms: dict[str, dict],
           titles: dict[str, tuple[str, str]]):
    boxes: dict[str, dict[str, Any]] = {}
    rounds: list[dict[str, Any]] = []
    drafts: list[dict[str, Any]] = []
    for event in events:
        if event.type != "task_completed":
            continue
        signed = _signed(event, labels, names, forms.get(event.task_id or "") or {}, titles)
        if signed["label"]:
            boxes[signed["label"]] = signed
            rounds.append(signed)
        elif event.role == "initiator":
            drafts.append(signed)
    return boxes, rounds, drafts


def _prescreen(events, rounds: list[dict[str, Any]], title: str) -> dict[str, Any]:
    """Return the pre-screen's section: the findings recorded for the post, and each reason.

    The findings are those the last drafting step recorded (what the reviewers were
    shown); a reason is what a reviewer wrote when approving over a high finding.
    """
    drafted = [(e.payload or {}).get("prescreen") for e in events if e.type == "task_completed"]
    kept = [p for p in drafted if isinstance(p, dict) and p.get("drafted")]
    findings = kept[-1].get("findings", []) if kept else []
    reasons = [{"title": r["title"], "name": r["name"], "at": r["at"], "reason": r["prescreen_reason"]}
               for r in rounds if r["prescreen_reason"]]
    return {"title": title, "findings": findings, "screened": bool(kept),
            "rules": kept[-1].get("rules") if kept else None, "reasons": reasons}


def _department(session: Session, department_id: Any) -> str | None:
    department = session.get(Department, department_id) if isinstance(department_id, int) else None
    return department.name if department else None


def _form1(session: Session, inst: Instance, values: dict[str, Any], names,
           paper: dict[str, dict[str, str]]) -> dict[str, Any]:
    platform, ticked = values.get("platform_type") or "", paper.get("platforms", {})
    account = session.scalar(select(Account).where(Account.instance_id == inst.id).limit(1))
    return {"platform_box": ticked.get(platform, "其他" if platform else ""),
            "platform_type": platform, "platform_other": values.get("platform_other") or "",
            "platform_name": values.get("platform_name") or "",
            "account_name": values.get("account_name") or "",
            "staff": names.get(inst.initiator, inst.initiator) if values.get("tier") == 3 else "",
            "commitment": bool(values.get("commitment")),
            "registered": account.status if account else None}


def _form2(session: Session, inst: Instance, values: dict[str, Any], names,
           paper: dict[str, dict[str, str]]) -> dict[str, Any]:
    media, ticked = values.get("media") or [], paper.get("media", {})
    media = [media] if isinstance(media, str) else list(media)
    account = session.get(Account, values["account_id"]) \
        if isinstance(values.get("account_id"), int) else None
    if account is not None and not media:
        media = [account.platform_type if account.tier == 1 else account.account_name]
    boxes = {ticked.get(m) for m in media}
    return {"media": media, "media_boxes": sorted(b for b in boxes if b),
            "media_other": [m for m in media if m not in ticked],
            "publications": [{"title": values.get("title") or "", "source": values.get("source") or "",
                              "body": values.get("body") or ""}],
            "remarks": values.get("remarks") or ""}


def _table(session: Session, inst: Instance, values: dict[str, Any], names,
           paper: dict[str, dict[str, str]]) -> dict[str, Any]:
    """A record laid out by its rows needs nothing beyond the item's values and boxes."""
    return {}


def _table_row(row: dict[str, str], rec: dict[str, Any]) -> dict[str, Any]:
    """Fill one row of a table layout: a form field, a fact of the item, or a signed box."""
    if "box" in row:
        return {"label": row["label"], "box": rec["boxes"].get(row["box"]), "text": ""}
    value = rec["values"].get(row["field"]) if "field" in row else rec.get(row["value"])
    text = "、".join(map(str, value)) if isinstance(value, list) else \
        ("" if value is None else str(value))
    return {"label": row["label"], "box": None, "text": text}


_FILLERS = {"form1": _form1, "form2": _form2, "table": _table}
