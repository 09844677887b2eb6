"""Patterns written in the rules files, run with a bound on time (no rule can hang a step).

The publicity office writes regular expressions in ``rules/prescreen/*.yaml``; Python's
``re`` has no time limit, so one pattern with catastrophic backtracking would hold a
drafting step (and its write) for ever.  The ``regex`` module runs the same syntax
(lookarounds included, which RE2 lacks) with a timeout.  A pattern is tried on hostile
probe texts when the rules are loaded, and every search is bounded when a post is screened.
"""

from __future__ import annotations

from functools import lru_cache

import regex

#: per pattern and post: a 10,000-character post takes well under 1 ms per pattern
PATTERN_SECONDS = 1.0
#: texts that make backtracking patterns explode (long runs of one kind, then a misfit)
PROBES = tuple(run * 3000 + end for run in ("a", "1", "中", " ", "a1", "中1") for end in ("!", "。"))
PROBE_SECONDS = 0.2  # generous: a descheduled process must not look like a runaway pattern


class PatternTimeout(RuntimeError):
    """A rule's pattern ran past its time on a post."""


@lru_cache(maxsize=512)
def compile_pattern(text: str) -> regex.Pattern:
    """Compile a rule's pattern (``regex.error`` when it is not a valid expression)."""
    return regex.compile(text, flags=regex.VERSION0)


def finditer(pattern: regex.Pattern, text: str) -> list[regex.Match]:
    """Return every match in ``text``, or raise PatternTimeout past the bound."""
    try:
        return list(pattern.finditer(text, timeout=PATTERN_SECONDS))
    except TimeoutError:
        raise PatternTimeout(f"预审规则的正则表达式超时：{pattern.pattern}") from None


def search(source: str, text: str) -> regex.Match | None:
    """Return the first match of the pattern ``source`` in ``text``, bounded in time."""
    try:
        return compile_pattern(source).search(text, timeout=PATTERN_SECONDS)
    except TimeoutError:
        raise PatternTimeout(f"预审规则的正则表达式超时：{source}") from None


def explodes(pattern: regex.Pattern) -> bool:
    """Tell whether the pattern runs past the probe bound on any hostile probe text."""
    try:
        for probe in PROBES:
            list(pattern.finditer(probe, timeout=PROBE_SECONDS))
    except TimeoutError:
        return True
    return False
