"""The pre-screen as a service (issue 15): screen a post, deploy and list rule-set versions.

Screening uses the newest deployed rule set, or the rules folder before any deploy.  The
pre-screen only reports findings for the reviewers; it never approves or returns a post.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from engine.base.errors import Conflict, Invalid, Refused
from engine.prescreen import Finding, RulesError, RuleSet, default_rules, load_rules, screen
from engine.prescreen import deployment as rule_sets
from engine.prescreen.patterns import PatternTimeout

MAX_CHARS = 100_000  # a long post is about 10,000 characters; the API body is at most 1 MB anyway
MAX_ATTACHMENTS = 200
ATTACHMENT_KEYS = {"name", "kind", "type", "source"}
MAX_FIELD = 500


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
    try:
        ruleset = load_rules(folder)
    except RulesError as err:
        raise Refused(f"预审规则未部署：{err}") from None
    return rule_sets.deploy(session, ruleset, at, by, note)


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
