"""The hand-labelled corpus: precision and recall of at least 0.9 in every category."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.prescreen import CATEGORIES
from engine.prescreen.corpus import evaluate, load_corpus

CORPUS = Path(__file__).parent / "corpus"


@pytest.fixture(scope="module")
def scores():
    return evaluate(load_corpus(CORPUS))


def test_the_corpus_has_sixty_posts_of_every_genre_clean_and_not():
    posts = load_corpus(CORPUS)
    assert len(posts) >= 60
    assert {p.genre for p in posts} == {"health_education", "hospital_news", "recruitment", "repost"}
    assert sum(not p.labels for p in posts) >= 20
    assert all(sum(c in p.categories for p in posts) >= 5 for c in CATEGORIES)


@pytest.mark.parametrize("category", CATEGORIES)
def test_each_category_is_found_with_precision_and_recall_of_ninety_percent(scores, category):
    score = scores[category]
    assert score.precision >= 0.9 and score.recall >= 0.9, score.misses


@pytest.mark.parametrize("category", CATEGORIES)
def test_the_labelled_spans_themselves_are_found(scores, category):
    score = scores[category]
    assert score.spans_found / score.spans >= 0.9, score.misses


def test_a_label_naming_text_not_in_the_post_is_refused(tmp_path):
    (tmp_path / "x.yaml").write_text("- {id: x-1, genre: repost, text: 正文, labels: [{category: form, span: 别处}]}\n",
                                     encoding="utf-8")
    with pytest.raises(ValueError, match="x-1: label form '别处' is not in the text"):
        load_corpus(tmp_path)
