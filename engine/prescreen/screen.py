"""Pre-screen a post: read it against 第七、九、十条 and mark what a reviewer must look at.

The pre-screen never approves or returns anything: it only lists findings.  Each kind of
rule has a handler, registered by name; ``screen`` runs every rule of the set once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from engine.prescreen import links, names
from engine.prescreen.finding import Finding, Hit
from engine.prescreen.form import CHECKS
from engine.prescreen.matcher import Compiled, compiled, keep
from engine.prescreen.patterns import finditer
from engine.prescreen.rules import Rule, RuleSet, load_rules, rules_dir
from engine.prescreen.validators import VALIDATORS

Found = dict[tuple[str, str], list[tuple[int, int]]]


class Post:
    """The text under screening, its attachments and the listed words found in it."""

    def __init__(self, text: str, attachments: Sequence[Mapping[str, Any]], rules: Compiled) -> None:
        self.text, self.attachments, self.rules = text, attachments, rules
        self.found: Found = rules.scan(text)


def screen(text: str, *, attachments: Sequence[Mapping[str, Any]] = (), rules: RuleSet | None = None) -> list[Finding]:
    """Return the findings of every rule on a post, in the order they appear in it."""
    ruleset = rules if rules is not None else default_rules()
    post = Post(text, attachments, compiled(ruleset))
    findings = {(f.rule, f.start, f.end, f.attachment): f
                for rule in ruleset.rules for hit in HANDLERS[rule.kind](rule, post)
                for f in [finding(rule, hit, post)]}
    return sorted(findings.values(), key=lambda f: (f.start, f.end, f.rule, f.attachment or 0))


_default: dict[tuple[str, tuple], RuleSet] = {}


def default_rules() -> RuleSet:
    """Return the rules of the rules folder, read again only when a file there changed."""
    folder = rules_dir()
    stamp = tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(folder.glob("*.yaml")))
    key = (str(folder), stamp)
    if key not in _default:
        _default.clear()
        _default[key] = load_rules(folder)
    return _default[key]


def finding(rule: Rule, hit: Hit, post: Post) -> Finding:
    """Turn a rule's hit into a finding; ``{text}`` and ``{name}`` in the message are filled in."""
    span = post.text[hit.start:hit.end]
    name = "" if hit.attachment is None else str(post.attachments[hit.attachment].get("name") or "")
    message = rule.message.replace("{text}", span).replace("{name}", name)
    return Finding(rule.id, rule.category, rule.article, hit.severity or rule.severity, hit.start, hit.end,
                   span, message, rule.checklist, hit.attachment)


def _words(rule: Rule, post: Post) -> list[Hit]:
    spans = post.found.get((rule.id, "hit"), [])
    kept = keep(rule, spans, post.found, post.text)
    return [Hit(s, e) for s, e in kept if not any(a <= s and e <= b and (a, b) != (s, e) for a, b in kept)]


def _pattern(rule: Rule, post: Post) -> list[Hit]:
    matches = [m for m in finditer(post.rules.patterns[rule.id], post.text) if m.group() not in rule.options.get(
        "allow", ())]
    kept = set(keep(rule, [m.span() for m in matches], post.found, post.text))
    return [hit for m in matches if m.span() in kept for hit in _validated(rule, m.group(), m.span())]


def _validated(rule: Rule, value: str, span: tuple[int, int]) -> list[Hit]:
    validator = rule.options.get("validator")
    if validator is None or VALIDATORS[validator](value):
        return [Hit(*span)]
    weak = rule.options.get("weak_severity")
    return [Hit(*span, severity=weak)] if weak else []


def _names(rule: Rule, post: Post) -> list[Hit]:
    anchors = post.found.get((rule.id, "near"), [])
    if not anchors:
        return []
    spans = names.names_near(post.text, anchors, rule.options.get("tags", ["nr"]),
                             rule.options.get("except", ()), rule.options.get("window", 6))
    return [Hit(s, e) for s, e in spans]


def _links(rule: Rule, post: Post) -> list[Hit]:
    return [Hit(s, e) for s, e in links.foreign_links(post.text, rule.options["allow"])]


def _form(rule: Rule, post: Post) -> list[Hit]:
    return CHECKS[rule.options["check"]].run(post.text, post.attachments, rule.options)


HANDLERS: dict[str, Callable[[Rule, Post], list[Hit]]] = {
    "words": _words, "pattern": _pattern, "names": _names, "links": _links, "form": _form,
}
