"""The pre-screen's marks in the post (issue 15): marking a span never changes what the
post shows — every generated text and set of spans renders as without marks, once the
marks are taken away — and each mark holds exactly the text its findings cover."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from web.highlight import marked_body, marked_text
from web.post import render_post

ALPHABET = st.sampled_from(list("患者电话根治13 9*_#-\n`[]()>!<&\"'abc，。"))
MARK = re.compile(r"<mark [^>]*>|</mark>")


@st.composite
def posts(draw):
    text = "".join(draw(st.lists(ALPHABET, max_size=60)))
    spans = draw(st.lists(st.tuples(st.integers(0, len(text)), st.integers(0, len(text))), max_size=4))
    findings = [{"field": "body", "start": min(a, b), "end": max(a, b), "article": "第七条三",
                 "message": "提示<\"&'", "severity": "high"} for a, b in spans]
    return text, findings


@settings(max_examples=150, deadline=None)
@given(posts())
def test_marks_only_add_marks_to_the_rendered_post(post):
    text, findings = post
    html, warnings = marked_body(text, [], findings)
    plain, plain_warnings = render_post(text, [])
    assert MARK.sub("", str(html)) == str(plain)
    assert warnings == plain_warnings


@settings(max_examples=150, deadline=None)
@given(posts())
def test_a_plain_field_marks_exactly_the_covered_characters(post):
    text, findings = post
    html = str(marked_text(text, [{**f, "field": "title"} for f in findings], "title"))
    covered = {i for f in findings for i in range(f["start"], f["end"])}
    marked = re.findall(r"<mark [^>]*>(.*?)</mark>", html, re.S)
    expected = "".join(text[i] for i in sorted(covered))
    unescape = {"&lt;": "<", "&gt;": ">", "&amp;": "&", "&#34;": '"', "&#39;": "'"}
    got = re.sub("|".join(unescape), lambda m: unescape[m.group()], "".join(marked))
    assert got == expected
    assert MARK.sub("", html) == str(marked_text(text, [], "title"))


def test_the_issue_example_marks_the_phone_number_and_the_cure_claim():
    body = "电话：13912345678，**本院可根治**糖尿病"
    findings = [{"field": "body", "start": 3, "end": 14, "article": "第七条三", "message": "隐私",
                 "severity": "high"},
                {"field": "body", "start": 20, "end": 22, "article": "第七条二", "message": "夸大",
                 "severity": "high"}]
    html = str(marked_body(body, [], findings)[0])
    assert re.findall(r"<mark [^>]*>([^<]*)</mark>", html) == ["13912345678", "根治"]
    assert 'title="第七条三 隐私"' in html and "<strong>本院可<mark" in html


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(list("患者电话根治139，。abc")), max_size=60).map("".join),
       st.lists(st.tuples(st.integers(0, 60), st.integers(0, 60)), max_size=4))
def test_in_a_body_of_plain_words_the_marks_hold_exactly_the_covered_words(text, spans):
    findings = [{"field": "body", "start": min(a, b), "end": max(a, b), "article": "第十条",
                 "message": "提示", "severity": "medium"} for a, b in spans]
    html = str(marked_body(text, [], findings)[0])
    covered = sorted({i for f in findings for i in range(f["start"], min(f["end"], len(text)))})
    assert "".join(re.findall(r"<mark [^>]*>(.*?)</mark>", html)) == "".join(text[i] for i in covered)
