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
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from functools import lru_cache
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


def words(text: str) -> list[tuple[str, int]]:
    """Segment ``text`` (jieba, with its HMM for words not in the dictionary): (word, offset) pairs."""
    tokens, offset = [], 0
    for word in tokenizer().tokenizer.cut(text, HMM=True):
        tokens.append((word, offset))
        offset += len(word)
    return tokens


@lru_cache(maxsize=4096)
def tags_of(word: str) -> frozenset[str]:
    """Return the part-of-speech tags of a word: the dictionary's, else those tagging its parts.

    Tagging only the words next to an anchor, not the whole clause, keeps jieba's slower
    tagger off most of the text; a new word (张建国 is in no dictionary) is tagged by parts.
    """
    known = tokenizer().word_tag_tab.get(word)
    return frozenset([known]) if known else frozenset(pair.flag for pair in tokenizer().cut(word))


def names_near(text: str, anchors: Sequence[Span], tags: Iterable[str], excluded: Iterable[str],
               window: int = 6) -> list[Span]:
    """Return spans of names (tokens tagged ``tags``) right before or after an anchor word."""
    tags, excluded = set(tags), tuple(excluded)
    starts = sorted(s for s, _ in anchors)
    found: set[Span] = set()
    for left, right in _clauses(text, anchors, window):
        tokens = words(text[left:right])
        inside = {s - left for s in starts[bisect_left(starts, left):bisect_left(starts, right)]}
        for i, (word, off) in enumerate(tokens):
            if not any(off <= s < off + len(word) for s in inside):
                continue
            for j in (_neighbour(tokens, i, -1), _neighbour(tokens, i, 1)):
                if j is not None and _is_name(tokens[j], tags, excluded):
                    found.add((left + tokens[j][1], left + tokens[j][1] + len(tokens[j][0])))
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


def _neighbour(tokens: list[tuple[str, int]], i: int, step: int) -> int | None:
    j = i + step
    while 0 <= j < len(tokens) and tokens[j][0] in SEPARATORS:
        j += step
    return j if 0 <= j < len(tokens) else None


def _is_name(token: tuple[str, int], tags: set[str], excluded: tuple[str, ...]) -> bool:
    word = token[0]
    if len(word) < 2 or len(word) > 4 or FAMILIAR.fullmatch(word) or any(x in word for x in excluded):
        return False
    return bool(tags & tags_of(word))
