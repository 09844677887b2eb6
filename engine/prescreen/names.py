"""A person's name next to 患者/病人/病例/家属 (第七条三, 第十条: patient privacy).

Chinese has no spaces, so names come from segmentation with part-of-speech tags (jieba,
whose dictionary ships in its package: nothing is downloaded).  jieba is loaded once, on
first use, with its start-up logging and import-time warnings silenced.  Only the clauses
around a patient word are segmented, which keeps a long post fast.
"""

from __future__ import annotations

import logging
import re
import threading
import warnings
from collections.abc import Iterable, Sequence
from typing import Any

Span = tuple[int, int]
CLAUSE_END = re.compile(r"[，,。！？!?；;\n（）()“”\"]")
SEPARATORS = {"：", ":", "、", " ", "　"}
# 老李、小王、阿芳: a familiar form that does not identify anyone, not a name to remove
FAMILIAR = re.compile(r"[老小阿][\u4e00-\u9fff]")
_lock = threading.Lock()
_tokenizer: Any = None


def tokenizer() -> Any:
    """Return jieba's part-of-speech tokenizer, loading its dictionary the first time."""
    global _tokenizer
    with _lock:
        if _tokenizer is None:
            with warnings.catch_warnings():  # jieba's own SyntaxWarnings/DeprecationWarnings, not ours
                warnings.simplefilter("ignore")
                import jieba
                import jieba.posseg
            jieba.setLogLevel(logging.WARNING)
            jieba.initialize()
            _tokenizer = jieba.posseg.dt
        return _tokenizer


def tagged(text: str) -> list[tuple[str, str, int]]:
    """Segment ``text`` and return (word, tag, offset) triples."""
    tokens, offset = [], 0
    for pair in tokenizer().cut(text):
        tokens.append((pair.word, pair.flag, offset))
        offset += len(pair.word)
    return tokens


def names_near(text: str, anchors: Sequence[Span], tags: Iterable[str], excluded: Iterable[str],
               window: int = 12) -> list[Span]:
    """Return spans of names (tokens tagged ``tags``) right before or after an anchor word."""
    tags, excluded = set(tags), tuple(excluded)
    found: set[Span] = set()
    for left, right in _clauses(text, anchors, window):
        tokens = tagged(text[left:right])
        anchor_at = {i for i, (_, _, off) in enumerate(tokens)
                     if any(left + off <= s < left + off + len(tokens[i][0]) for s, _ in anchors)}
        for i in anchor_at:
            for j in (_neighbour(tokens, i, -1), _neighbour(tokens, i, 1)):
                if j is not None and _is_name(tokens[j], tags, excluded):
                    found.add((left + tokens[j][2], left + tokens[j][2] + len(tokens[j][0])))
    return sorted(found)


def _clauses(text: str, anchors: Sequence[Span], window: int) -> list[Span]:
    """Return the merged stretches around anchors, cut at clause punctuation."""
    spans: list[Span] = []
    for start, end in sorted(anchors):
        left, right = max(0, start - window), min(len(text), end + window)
        cuts = [m.end() for m in CLAUSE_END.finditer(text, left, start)]
        stop = CLAUSE_END.search(text, end, right)
        span = (cuts[-1] if cuts else left, stop.start() if stop else right)
        if spans and span[0] <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], span[1]))
        else:
            spans.append(span)
    return spans


def _neighbour(tokens: list[tuple[str, str, int]], i: int, step: int) -> int | None:
    j = i + step
    while 0 <= j < len(tokens) and tokens[j][0] in SEPARATORS:
        j += step
    return j if 0 <= j < len(tokens) else None


def _is_name(token: tuple[str, str, int], tags: set[str], excluded: tuple[str, ...]) -> bool:
    word, tag, _ = token
    if FAMILIAR.fullmatch(word):
        return False
    return tag in tags and len(word) >= 2 and not any(x in word for x in excluded)
