"""The pre-screen as a service (issue 15): screen a post, deploy and list rule-set versions.

Screening uses the newest deployed rule set, or the rules folder before any deploy.  The
pre-screen only reports findings for the reviewers; it never approves or returns a post.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from engine.base.errors import Conflict, Invalid
from engine.prescreen import Finding, RulesError, RuleSet, default_rules, load_rules, names, parse_rules, screen
from engine.prescreen import deployment as rule_sets
from engine.prescreen.patterns import PatternTimeout

MAX_CHARS = 100_000  # a long post is about 10,000 characters; the API body is at most 1 MB anyway
MAX_ATTACHMENTS = 200
ATTACHMENT_KEYS = {"name", "kind", "type", "source"}
MAX_FIELD = 500
# The designer's working copy (edited rules files, posted as text): bounded before YAML reads it.
MAX_RULE_FILES = 20
MAX_RULE_FILE_CHARS = 256 * 1024
MAX_NOTE = 500
RULE_FILE = re.compile(r"[a-z][a-z0-9_]{0,40}\.yaml")


@dataclass(frozen=True)
class Screened:
    """The findings on a post and the version of the rules that found them."""

    findings: list[Finding]
    rules_version: str

    def as_dict(self) -> dict[str, Any]:
        """Return the answer as the API and ``--json`` print it."""
        return {"findings": [f.as_dict() for f in self.findings], "rules_version": self.rules_version}


def rules_in_use(session: Session | None, folder: Path | None = None) -> RuleSet:
    """Return the rules to screen with: a given folder, else the deployed version, else the default folder."""
    try:
        if folder is not None:
            return load_rules(folder)
        deployed = rule_sets.deployed(session) if session is not None else None
        return deployed if deployed is not None else default_rules()
    except RulesError as err:
        raise Conflict(f"预审规则无法使用：{err}") from None


def screen_post(rules: RuleSet, text: Any, attachments: Any = ()) -> Screened:
    """Check the input, then screen it; bad input is refused with the field that is wrong."""
    _check_text(text)
    checked = _check_attachments(attachments)
    try:
        return Screened(screen(text, attachments=checked, rules=rules), rules.version)
    except PatternTimeout as err:
        raise Conflict(f"预审未完成：{err}") from None


def deploy(session: Session, folder: Path | None, at: Any, by: str | None, note: str | None = None) -> dict[str, Any]:
    """Check a rules folder and deploy it as the newest version (logged in the operations log)."""
    return rule_sets.deploy(session, _checked(load_rules, folder), at, by, note)


def deploy_files(session: Session, edits: Any, at: Any, by: str | None, note: Any, base: str | None = None
                 ) -> dict[str, Any]:
    """Deploy the designer's working copy (edited files over the rules in use), checked as a folder is.

    A change note is required, as for a model deployed from the designer.  ``base`` is the
    version the copy was edited from: if another deploy came in between, the copy is refused
    rather than laid over rules its editor never saw.
    """
    in_use = rules_in_use(session)
    if base is not None and base != in_use.version:
        raise Conflict(f"预审规则已部署为新版本 {in_use.version}，不是您编辑时的版本；请刷新页面后重新修改。")
    if not isinstance(note, str) or not note.strip() or len(note) > MAX_NOTE:
        problem = f"请填写部署说明（不超过 {MAX_NOTE} 个字符）。"
        raise Invalid(problem, {"note": [problem]})
    files = _overlaid(in_use, edits)
    return rule_sets.deploy(session, _checked(parse_rules, files), at, by, note.strip())


def edited_rules(session: Session | None, edits: Any) -> RuleSet:
    """Return the rules in use with the designer's edited files in place, checked; nothing is stored."""
    files = _overlaid(rules_in_use(session), edits)
    return _checked(parse_rules, files, "预审规则有误，未使用")


def rule_files(session: Session | None) -> dict[str, Any]:
    """Describe the rules in use for the designer: version, whether deployed, each file's category and text."""
    ruleset = rules_in_use(session)
    deployed = session is not None and rule_sets.deployed(session) is not None
    counts: dict[str, dict[str, Any]] = {}
    for rule in ruleset.rules:
        counts.setdefault(rule.file, {"category": rule.category, "rules": 0})["rules"] += 1
    return {"version": ruleset.version, "deployed": deployed,
            "files": [{"name": name, "text": ruleset.files[name], **counts.get(name, {"category": "", "rules": 0})}
                      for name in sorted(ruleset.files)]}


def _checked(read: Callable[[Any], RuleSet], source: Any, refusal: str = "预审规则未部署") -> RuleSet:
    """Read rules with ``read``; a bad file is refused with its one-line message (file and entry)."""
    try:
        return read(source)
    except RulesError as err:
        names = source if isinstance(source, Mapping) else {}
        where = next((n for n in sorted(names, key=len, reverse=True) if str(err).startswith(n)), None)
        raise Invalid(f"{refusal}：{err}", {where: [str(err)]} if where else None) from None


def _overlaid(in_use: RuleSet, edits: Any) -> dict[str, str]:
    """Check the shape of posted files (names, sizes) and lay them over the files in use."""
    problem = _edits_problem(edits)
    if problem:
        raise Invalid(problem, {"files": [problem]})
    files = {**in_use.files, **edits}
    if len(files) > MAX_RULE_FILES:
        raise Invalid(f"规则文件不能超过 {MAX_RULE_FILES} 个。", {"files": [f"规则文件不能超过 {MAX_RULE_FILES} 个。"]})
    return files


def _edits_problem(edits: Any) -> str | None:
    if not isinstance(edits, Mapping) or not edits:
        return "没有收到规则文件（须为“文件名: 内容”的对象）。"
    for name, text in edits.items():
        if not isinstance(name, str) or not RULE_FILE.fullmatch(name):
            return f"规则文件名 {str(name)[:60]!r} 不合法（小写字母、数字、下划线，以 .yaml 结尾）。"
        if not isinstance(text, str):
            return f"{name}：内容须为文字。"
        if len(text) > MAX_RULE_FILE_CHARS:
            return f"{name}：不能超过 {MAX_RULE_FILE_CHARS // 1024} KB。"
    return None


def warm_up() -> threading.Thread:
    """Load the segmenter's dictionary in the background (about 2 s of CPU, once per process).

    A server calls this as it starts, so the first post screened after a restart does not
    wait for the dictionary; a screening that comes sooner waits for the same load.
    """
    thread = threading.Thread(target=names.tokenizer, name="shenfa-prescreen-warm", daemon=True)
    thread.start()
    return thread


def versions(session: Session) -> list[dict[str, Any]]:
    """List the deployed versions of the rules, newest first."""
    return rule_sets.history(session)


def _check_text(text: Any) -> None:
    if not isinstance(text, str):
        raise Invalid("正文须为文字。", {"text": ["正文须为文字。"]})
    if len(text) > MAX_CHARS:
        raise Invalid(f"正文不能超过 {MAX_CHARS} 个字符。", {"text": [f"正文不能超过 {MAX_CHARS} 个字符。"]})
    if "\x00" in text:
        raise Invalid("正文中不能含有空字符（NUL）。", {"text": ["正文中不能含有空字符（NUL）。"]})


def _check_attachments(attachments: Any) -> tuple[Mapping[str, str], ...]:
    problem = _attachment_problem(attachments)
    if problem:
        raise Invalid(problem, {"attachments": [problem]})
    return tuple(attachments)


def _attachment_problem(attachments: Any) -> str | None:
    if not isinstance(attachments, Sequence) or isinstance(attachments, str):
        return "附件须为列表。"
    if len(attachments) > MAX_ATTACHMENTS:
        return f"附件不能超过 {MAX_ATTACHMENTS} 个。"
    for i, item in enumerate(attachments, 1):
        if not isinstance(item, Mapping) or set(item) - ATTACHMENT_KEYS:
            return f"第 {i} 个附件须为只含 {'、'.join(sorted(ATTACHMENT_KEYS))} 的对象。"
        if any(not isinstance(v, str) or len(v) > MAX_FIELD for v in item.values()):
            return f"第 {i} 个附件的各项须为不超过 {MAX_FIELD} 个字符的文字。"
    return None
