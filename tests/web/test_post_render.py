"""Post bodies: attachment images shown, everything else the sanitiser drops is named."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from web.post import render_post

SRC = st.one_of(st.integers(1, 9).map(lambda n: f"/attachments/{n}"),
                st.sampled_from(["http://example.com/a.png", "javascript:alert(1)", "data:x",
                                 "/attachments/x", "//evil/a.png", ""]))
PIECE = st.one_of(
    st.tuples(st.text("图表ab ", max_size=5), SRC).map(lambda t: f"![{t[0]}]({t[1]})"),
    st.sampled_from(["<script>alert(1)</script>", "<iframe src=x></iframe>", "**粗体**",
                     "<img src=/attachments/2 onerror=alert(1)>", "<b>b</b>", "段落\n\n"]),
    st.text("abc中文 ", max_size=8))


@settings(max_examples=80, deadline=None)
@given(st.lists(PIECE, max_size=6), st.sets(st.integers(1, 9), max_size=4))
def test_only_the_items_attachment_images_survive_and_drops_are_named(pieces, ids):
    text = " ".join(pieces)
    html, warnings = render_post(text, ids)
    for src in re.findall(r'<img[^>]*src="([^"]*)"', html):
        assert re.fullmatch(r"/attachments/\d+", src) and int(src.rsplit("/", 1)[1]) in ids
    assert "onerror" not in html and "<script" not in html and "<iframe" not in html
    images = len(re.findall(r"<img\b", html))
    markdown_images = len(re.findall(r"!\[[^\]]*\]\([^)]*\)", text)) + text.count("<img ")
    if images < markdown_images:
        assert any("未显示" in w for w in warnings)
    if "<script>" in text or "<iframe" in text:
        assert any("已去除" in w for w in warnings)


def test_the_named_example():
    html, warnings = render_post("![图](/attachments/3)\n\n![外链](http://e.com/a.png)", [3])
    assert 'src="/attachments/3"' in html and "e.com" not in html
    assert warnings == ["图片「外链」未显示：只能插入本事项的附件图片（先上传附件，再点附件旁的「插入正文」）。"]
