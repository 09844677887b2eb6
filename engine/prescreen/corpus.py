"""A labelled corpus of posts and how well the pre-screen finds what the labels say.

Used by ``bench/prescreen.py`` and the corpus test.  Counting is per post and category: a
post counts as found in a category when the pre-screen reports at least one finding of it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from engine.prescreen.finding import CATEGORIES, Finding
from engine.prescreen.rules import RuleSet
from engine.prescreen.screen import screen


@dataclass(frozen=True)
class Post:
    """A labelled post: the categories and spans a reviewer must see."""

    id: str
    genre: str
    text: str
    attachments: tuple[dict, ...] = ()
    labels: tuple[tuple[str, str], ...] = ()

    @property
    def categories(self) -> set[str]:
        """Return the categories the labels name."""
        return {category for category, _ in self.labels}


@dataclass
class Score:
    """Counts of one category over the corpus."""

    true_pos: int = 0
    false_pos: int = 0
    false_neg: int = 0
    spans: int = 0
    spans_found: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        """Return the share of flagged posts that were labelled so."""
        flagged = self.true_pos + self.false_pos
        return self.true_pos / flagged if flagged else 1.0

    @property
    def recall(self) -> float:
        """Return the share of labelled posts that were flagged."""
        labelled = self.true_pos + self.false_neg
        return self.true_pos / labelled if labelled else 1.0


def load_corpus(folder: Path) -> list[Post]:
    """Read every ``*.yaml`` of a corpus folder; refuse a label whose span is not in the text."""
    posts = []
    for path in sorted(folder.glob("*.yaml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8")):
            posts.append(_post(path.name, item))
    return posts


def _post(name: str, item: dict[str, Any]) -> Post:
    labels = tuple((label["category"], str(label["span"])) for label in item.get("labels") or ())
    for category, span in labels:
        if category not in CATEGORIES or span not in item["text"]:
            raise ValueError(f"{name} {item['id']}: label {category} {span!r} is not in the text")
    return Post(item["id"], item["genre"], item["text"], tuple(item.get("attachments") or ()), labels)


def evaluate(posts: Iterable[Post], rules: RuleSet | None = None) -> dict[str, Score]:
    """Screen every post and score each category against its labels."""
    scores = {category: Score() for category in CATEGORIES}
    for post in posts:
        findings = screen(post.text, attachments=post.attachments, rules=rules)
        _score_post(post, findings, scores)
    return scores


def _score_post(post: Post, findings: Sequence[Finding], scores: dict[str, Score]) -> None:
    flagged = {f.category for f in findings}
    for category, score in scores.items():
        labelled = category in post.categories
        if labelled and category in flagged:
            score.true_pos += 1
        elif labelled or category in flagged:
            score.false_pos += category in flagged
            score.false_neg += labelled
            score.misses.append(f"{post.id}: {'missed' if labelled else 'extra'} "
                                + ", ".join(f.text or f.rule for f in findings if f.category == category))
    for category, span in post.labels:
        scores[category].spans += 1
        scores[category].spans_found += any(_covers(f, post.text, span) for f in findings if f.category == category)


def _covers(finding: Finding, text: str, span: str) -> bool:
    """Tell whether a finding overlaps an occurrence of a labelled span ("" is any finding)."""
    if not span:
        return finding.start == finding.end
    start = text.find(span)
    while start >= 0:
        if finding.start < start + len(span) and start < finding.end:
            return True
        start = text.find(span, start + 1)
    return False
