"""The layouts of the printed records: data a process designer edits, not code.

Each record is one YAML file in the project's ``records/`` folder (beside
``processes/`` and ``forms/``; ``SHENFA_RECORDS`` names another folder)::

    key: publicity_record            # unique name of the record
    annex: 附件3                      # optional line above the heading
    title: 宣传稿件登记表              # the page's title
    heading: ["{institution}宣传稿件登记表"]   # heading lines; {institution} = its name
    procedures: [publicity_submission]  # the procedures (process ids) it prints
    layout: table                     # table: rows below; form1/form2: the measures' papers
    rows:
      - {label: 稿件标题, field: title}          # a form field of the item
      - {label: 申请科室, value: department}     # a fact of the item (see ITEM_VALUES)
      - {label: 宣传科意见, box: 宣传科审核}      # the task whose recordLabel is 宣传科审核

The folder is read when a record is printed, so an edited file takes effect
on the next print.  附件1 and 附件2 (``form1``/``form2``) keep the paper forms'
own layout and take their procedures, titles and headings from here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from engine.base.errors import Refused

LAYOUTS = ("form1", "form2", "table")
#: Facts of the item a ``value:`` row may print.
ITEM_VALUES = ("title", "department", "initiator_name", "model_name", "status", "instance_id")
DEFAULT_FOLDER = Path(__file__).resolve().parents[2] / "records"


@dataclass(frozen=True)
class Layout:
    """One printed record: what it covers and how it is laid out."""

    key: str
    title: str
    procedures: tuple[str, ...]
    layout: str
    annex: str = ""
    heading: tuple[str, ...] = ()
    rows: tuple[dict[str, str], ...] = ()
    media: dict[str, str] = field(default_factory=dict)
    #: the paper's own boxes: recordLabel -> (the role that signs it, its printed title)
    boxes: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: the paper forms' tick boxes: which platform/medium ticks which box
    paper: dict[str, dict[str, str]] = field(default_factory=dict)
    #: the title of the pre-screen's section (the findings and the reviewers' reasons); none if ""
    prescreen: str = ""

    @property
    def full_title(self) -> str:
        """Return the title as the page and PDF show it (附件 number first)."""
        return f"{self.annex} {self.title}" if self.annex else self.title


def folder() -> Path:
    """Return the records folder: ``SHENFA_RECORDS``, else ``./records``, else the product's."""
    configured = os.environ.get("SHENFA_RECORDS")
    if configured:
        return Path(configured)
    return Path("records") if Path("records").is_dir() else DEFAULT_FOLDER


def load_all(where: Path | None = None) -> dict[str, Layout]:
    """Read and check every record layout of the folder, by key."""
    layouts: dict[str, Layout] = {}
    for path in sorted((where or folder()).glob("*.yaml")):
        layout = parse(path.name, _read(path))
        if layout.key in layouts:
            raise Refused(f"{path.name}: 审批表 {layout.key} 重复定义")
        layouts[layout.key] = layout
    return layouts


def _read(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        raise Refused(f"{path.name}: 不是有效的 YAML 文件（{str(err).splitlines()[0]}）") from None


def for_procedure(model_key: str, where: Path | None = None) -> Layout | None:
    """Return the record that prints items of procedure ``model_key``, if any."""
    return next((lay for lay in load_all(where).values() if model_key in lay.procedures), None)


def covered(where: Path | None = None) -> set[str]:
    """Return every procedure some record prints."""
    return {p for lay in load_all(where).values() for p in lay.procedures}


def parse(name: str, data: Any) -> Layout:
    """Check one layout file's content and return it; refuse with the file's name."""
    if not isinstance(data, dict):
        raise Refused(f"{name}: 审批表定义须为映射")
    key, title, layout = (str(data.get(k) or "") for k in ("key", "title", "layout"))
    procedures = data.get("procedures")
    if not key or not title:
        raise Refused(f"{name}: 须有 key 与 title")
    if layout not in LAYOUTS:
        raise Refused(f"{name}: layout 须为 {'、'.join(LAYOUTS)} 之一")
    if not isinstance(procedures, list) or not procedures:
        raise Refused(f"{name}: procedures 须列出所打印的流程")
    return Layout(key, title, tuple(map(str, procedures)), layout, str(data.get("annex") or ""),
                  _heading(name, data.get("heading") or [title]), _rows(name, data.get("rows")),
                  _mapping(name, "media", data.get("media")), _boxes(name, data.get("boxes")),
                  _paper(name, data.get("paper")), str(data.get("prescreen") or ""))


def _paper(name: str, value: Any) -> dict[str, dict[str, str]]:
    return {str(k): _mapping(name, f"paper.{k}", v)
            for k, v in _mapping(name, "paper", value, raw=True).items()}


def _mapping(name: str, what: str, value: Any, raw: bool = False) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Refused(f"{name}: {what} 须为映射")
    return dict(value) if raw else {str(k): str(v) for k, v in value.items()}


def _boxes(name: str, value: Any) -> dict[str, tuple[str, str]]:
    boxes = {}
    for label, box in _mapping(name, "boxes", value, raw=True).items():
        if not isinstance(box, dict) or not box.get("role") or not box.get("title"):
            raise Refused(f"{name}: boxes.{label} 须有 role 与 title")
        boxes[str(label)] = (str(box["role"]), str(box["title"]))
    return boxes


def _heading(name: str, value: Any) -> tuple[str, ...]:
    lines = [value] if isinstance(value, str) else value
    if not isinstance(lines, list):
        raise Refused(f"{name}: heading 须为一行或几行文字")
    return tuple(map(str, lines))


def _rows(name: str, rows: Any) -> tuple[dict[str, str], ...]:
    if not isinstance(rows, list | None):
        raise Refused(f"{name}: rows 须为列表")
    checked = []
    for row in rows or []:
        kinds = [k for k in ("field", "value", "box") if isinstance(row, dict) and row.get(k)]
        if len(kinds) != 1 or not str(row.get("label") or ""):
            raise Refused(f"{name}: 每一行须有 label 和 field、value、box 之一")
        if kinds[0] == "value" and row["value"] not in ITEM_VALUES:
            raise Refused(f"{name}: value 须为 {'、'.join(ITEM_VALUES)} 之一")
        checked.append({"label": str(row["label"]), kinds[0]: str(row[kinds[0]])})
    return tuple(checked)
