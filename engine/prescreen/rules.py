"""Rule sets of the pre-screen: YAML files the publicity office edits, checked before use.

One file per category in ``rules/prescreen/``; every entry names its article, severity and
checklist item, so a finding always says which provision (第七、九、十条) it concerns.  A bad
file is refused as a whole with a message naming the file and the entry.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeGuard

import regex
import yaml

from engine.prescreen.finding import CATEGORIES, CHECKLIST, SEVERITIES
from engine.prescreen.form import CHECKS
from engine.prescreen.patterns import compile_pattern, explodes
from engine.prescreen.validators import VALIDATORS

COMMON = {"id", "kind", "article", "severity", "checklist", "message"}
FILTERS = {"except", "near", "window", "unless"}
# The keys each kind of rule accepts besides COMMON (a typo is refused, not ignored).
KINDS: dict[str, set[str]] = {
    "words": {"words"} | FILTERS,
    "pattern": {"pattern", "validator", "weak_severity", "weak_message", "allow"} | FILTERS,
    "names": {"near", "tags", "except", "window"},
    "links": {"allow"},
    "form": {"check", "markers", "present", "extensions", "except"},
}
LISTS = {"words", "except", "near", "unless", "allow", "tags", "markers", "extensions"}
ID = re.compile(r"[a-z][a-z0-9_]*\.[a-z0-9_.]+")
ARTICLE = re.compile(r"第[一二三四五六七八九十]+条[一二三四五六七八九十、]*")
DEFAULT_DIR = Path(__file__).resolve().parents[2] / "rules" / "prescreen"


class RulesError(ValueError):
    """A rules file the pre-screen refuses; the message names the file and the entry."""


@dataclass(frozen=True)
class Rule:
    """One entry of a rules file, checked."""

    id: str
    category: str
    kind: str
    article: str
    severity: str
    checklist: str
    message: str
    options: Mapping[str, Any] = field(default_factory=dict)
    file: str = ""  # the rules file it came from (the designer counts entries per file)


@dataclass(frozen=True)
class RuleSet:
    """The rules of every category, with the content hash that versions them."""

    version: str
    rules: tuple[Rule, ...]
    files: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)


def rules_dir() -> Path:
    """Return the rules folder: ``SHENFA_PRESCREEN_RULES``, else the project's ``rules/prescreen``."""
    return Path(os.environ.get("SHENFA_PRESCREEN_RULES") or DEFAULT_DIR)


def load_rules(directory: Path | str | None = None) -> RuleSet:
    """Read and check every ``*.yaml`` in a folder; refuse the folder if any file is bad."""
    folder = Path(directory) if directory is not None else rules_dir()
    if not folder.is_dir():
        raise RulesError(f"规则目录不存在：{folder}")
    files = {}
    for path in sorted(folder.glob("*.yaml")):
        try:
            files[path.name] = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            raise RulesError(f"{path.name}：无法读取（须为 UTF-8 文本）：{err}") from None
    return parse_rules(files)


def content_hash(files: Mapping[str, str]) -> str:
    """Return the version of a rule set: a hash over its file names and contents."""
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + files[name].encode() + b"\0")
    return digest.hexdigest()[:16]


def parse_rules(files: Mapping[str, str]) -> RuleSet:
    """Check the text of each rules file and return the rule set they form."""
    if not files:
        raise RulesError("规则目录中没有 *.yaml 规则文件。")
    rules: list[Rule] = []
    for name in sorted(files):
        rules.extend(_parse_file(name, files[name]))
    _check_unique(rules)
    return RuleSet(content_hash(files), tuple(rules), dict(files))


def _load_yaml(name: str, text: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as err:
        where = getattr(err, "problem_mark", None)
        line = f" 第 {where.line + 1} 行" if where is not None else ""
        raise RulesError(f"{name}{line}：不是合法的 YAML（{getattr(err, 'problem', err)}）") from None
    except RecursionError:  # PyYAML composes nested collections recursively: "[[[[…" would crash it
        raise RulesError(f"{name}：嵌套层次过深，不是可用的规则文件。") from None


def _parse_file(name: str, text: str) -> list[Rule]:
    data = _load_yaml(name, text)
    if not isinstance(data, dict) or set(data) - {"category", "rules", "note"}:
        raise RulesError(f"{name}：文件须为含 category 与 rules 的映射（可选 note）。")
    category = data.get("category")
    if not _one_of(category, CATEGORIES):
        raise RulesError(f"{name}：category 须为 {'、'.join(CATEGORIES)} 之一，现为 {category!r}。")
    entries = data.get("rules")
    if not isinstance(entries, list) or not entries:
        raise RulesError(f"{name}：rules 须为非空列表。")
    return [_parse_entry(name, i, category, entry) for i, entry in enumerate(entries, 1)]


def _parse_entry(name: str, index: int, category: str, entry: Any) -> Rule:
    where = f"{name} 第 {index} 条规则"
    if not isinstance(entry, dict):
        raise RulesError(f"{where}：须为映射（键: 值）。")
    if isinstance(entry.get("id"), str):
        where += f"（{entry['id']}）"
    _check_keys(where, entry)
    _check_common(where, entry)
    options = {k: v for k, v in entry.items() if k not in COMMON}
    _check_options(where, entry["kind"], options)
    return Rule(entry["id"], category, entry["kind"], entry["article"], entry["severity"],
                entry["checklist"], entry["message"], options, name)


def _check_keys(where: str, entry: dict) -> None:
    missing = sorted(COMMON - set(entry))
    if missing:
        raise RulesError(f"{where}：缺少字段 {', '.join(missing)}。")
    if not _one_of(entry["kind"], KINDS):
        raise RulesError(f"{where}：kind 须为 {'、'.join(KINDS)} 之一，现为 {entry['kind']!r}。")
    unknown = sorted(set(entry) - COMMON - KINDS[entry["kind"]], key=str)
    if unknown:
        raise RulesError(f"{where}：kind {entry['kind']} 不支持字段 {', '.join(map(str, unknown))}。")


def _check_common(where: str, entry: dict) -> None:
    checks = [
        (isinstance(entry["id"], str) and ID.fullmatch(entry["id"]), "id 须形如 privacy.mobile（小写字母、数字、点）"),
        (isinstance(entry["article"], str) and ARTICLE.fullmatch(entry["article"]), "article 须形如 第七条三"),
        (_one_of(entry["severity"], SEVERITIES), f"severity 须为 {'、'.join(SEVERITIES)} 之一"),
        (_one_of(entry["checklist"], CHECKLIST), f"checklist 须为 {'、'.join(CHECKLIST)} 之一"),
        (isinstance(entry["message"], str) and entry["message"].strip(), "message 须为非空文字"),
    ]
    for ok, problem in checks:
        if not ok:
            raise RulesError(f"{where}：{problem}。")


def _check_options(where: str, kind: str, options: dict) -> None:
    for key in LISTS & set(options):
        value = options[key]
        if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
            raise RulesError(f"{where}：{key} 须为非空的文字列表。")
    if "window" in options and not (type(options["window"]) is int and 0 < options["window"] <= 200):
        raise RulesError(f"{where}：window 须为 1 到 200 之间的整数。")
    if "weak_severity" in options and not _one_of(options["weak_severity"], SEVERITIES):
        raise RulesError(f"{where}：weak_severity 须为 {'、'.join(SEVERITIES)} 之一。")
    for key in ("pattern", "present"):
        if key in options:
            _check_regex(where, key, options[key])
    CHECKERS[kind](where, options)


def _check_regex(where: str, key: str, value: Any) -> None:
    if not isinstance(value, str) or not value:
        raise RulesError(f"{where}：{key} 须为非空的正则表达式。")
    try:
        compiled = compile_pattern(value)
    except regex.error as err:
        raise RulesError(f"{where}：{key} 不是合法的正则表达式（{err}）。") from None
    if compiled.match(""):
        raise RulesError(f"{where}：{key} 不能匹配空文字。")
    if explodes(compiled):
        raise RulesError(f"{where}：{key} 在测试文字上超时（回溯过多），请改写。")


def _one_of(value: Any, choices: Any) -> TypeGuard[str]:
    """Tell whether a value from YAML is one of the names; a list or mapping is not (nor hashable)."""
    return isinstance(value, str) and value in choices


def _require(where: str, options: dict, *keys: str) -> None:
    missing = [k for k in keys if k not in options]
    if missing:
        raise RulesError(f"{where}：缺少字段 {', '.join(missing)}。")


def _check_words(where: str, options: dict) -> None:
    _require(where, options, "words")


def _check_pattern(where: str, options: dict) -> None:
    _require(where, options, "pattern")
    if "validator" in options and not _one_of(options["validator"], VALIDATORS):
        raise RulesError(f"{where}：validator 须为 {'、'.join(VALIDATORS)} 之一。")


def _check_names(where: str, options: dict) -> None:
    _require(where, options, "near")


def _check_links(where: str, options: dict) -> None:
    _require(where, options, "allow")


def _check_form(where: str, options: dict) -> None:
    _require(where, options, "check")
    if not _one_of(options["check"], CHECKS):
        raise RulesError(f"{where}：check 须为 {'、'.join(CHECKS)} 之一。")
    _require(where, options, *CHECKS[options["check"]].needs)


CHECKERS = {"words": _check_words, "pattern": _check_pattern, "names": _check_names,
            "links": _check_links, "form": _check_form}


def _check_unique(rules: list[Rule]) -> None:
    seen: dict[str, str] = {}
    for rule in rules:
        if rule.id in seen:
            raise RulesError(f"规则 id {rule.id} 重复出现（{seen[rule.id]} 与 {rule.file}）。")
        seen[rule.id] = rule.file
