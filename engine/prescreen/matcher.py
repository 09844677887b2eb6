"""Multi-pattern matching of a rule set: one Aho-Corasick automaton per rule-set version.

Every word of every rule (the words to find, and the words that qualify them: exceptions,
words that must be near, words that clear a sentence) goes into one automaton, so a post is
scanned once however long the lists grow.  Patterns are compiled once with it.
"""

from __future__ import annotations

import re
import threading
from collections import defaultdict
from typing import Any

import ahocorasick

from engine.prescreen.patterns import compile_pattern
from engine.prescreen.rules import Rule, RuleSet

Span = tuple[int, int]
# The roles a listed word plays in its rule; "hit" words are findings, the others qualify them.
ROLES = {"words": "hit", "except": "except", "near": "near", "unless": "unless"}
SENTENCE_END = re.compile(r"[。！？!?；;\n]")
CACHED = 4


class Compiled:
    """A rule set ready to scan: the automaton and the compiled patterns."""

    def __init__(self, ruleset: RuleSet) -> None:
        self.automaton = _automaton(ruleset.rules)
        self.patterns = {r.id: compile_pattern(r.options[key]) for r in ruleset.rules
                         for key in ("pattern", "present") if key in r.options}

    def scan(self, text: str) -> dict[tuple[str, str], list[Span]]:
        """Return every listed word's spans in ``text``, keyed by (rule id, role)."""
        found: dict[tuple[str, str], list[Span]] = defaultdict(list)
        if self.automaton is None:
            return found
        for end, (word, uses) in self.automaton.iter(text):
            for use in uses:
                found[use].append((end - len(word) + 1, end + 1))
        return found


def _automaton(rules: tuple[Rule, ...]) -> Any:
    uses: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for rule in rules:
        for key, role in ROLES.items():
            for word in rule.options.get(key, ()):
                uses[word].append((rule.id, role))
    if not uses:
        return None
    automaton = ahocorasick.Automaton()
    for word, word_uses in uses.items():
        automaton.add_word(word, (word, tuple(word_uses)))
    automaton.make_automaton()
    return automaton


_compiled: dict[str, Compiled] = {}
_lock = threading.Lock()


def compiled(ruleset: RuleSet) -> Compiled:
    """Return the compiled form of a rule set, built once per version."""
    with _lock:
        found = _compiled.get(ruleset.version)
        if found is None:
            found = _compiled[ruleset.version] = Compiled(ruleset)
            while len(_compiled) > CACHED:
                del _compiled[next(iter(_compiled))]
        return found


def sentence(text: str, start: int, end: int) -> Span:
    """Return the bounds of the sentence around a span."""
    left = max((m.end() for m in SENTENCE_END.finditer(text, max(0, start - 300), start)), default=0)
    right = SENTENCE_END.search(text, end)
    return left, right.start() if right else len(text)


def keep(rule: Rule, spans: list[Span], found: dict[tuple[str, str], list[Span]], text: str) -> list[Span]:
    """Apply a rule's qualifiers: drop spans inside an exception, far from ``near``, or in a cleared sentence."""
    excepts, nears, unless = (found.get((rule.id, role), []) for role in ("except", "near", "unless"))
    window = rule.options.get("window", 10)
    kept = []
    for start, end in spans:
        if any(s <= start and end <= e for s, e in excepts):
            continue
        if "near" in rule.options and not any(s - window <= end and start <= e + window for s, e in nears):
            continue
        if unless and _cleared(text, start, end, unless):
            continue
        kept.append((start, end))
    return kept


def _cleared(text: str, start: int, end: int, unless: list[Span]) -> bool:
    left, right = sentence(text, start, end)
    return any(left <= s and e <= right for s, e in unless)
