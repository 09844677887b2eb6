"""Rules files: the shipped ones load; a bad file is refused naming the file and the entry."""

from __future__ import annotations

import textwrap

import pytest

from engine.prescreen import CATEGORIES, RulesError, load_rules, parse_rules, screen

GOOD = """\
category: advertising
rules:
  - id: advertising.test
    kind: words
    words: [包治]
    article: 第七条二
    severity: high
    checklist: scientific
    message: 绝对化用语「{text}」
"""


def entry(**changes) -> str:
    """Return GOOD with the rule's fields changed (None removes one)."""
    fields = {"id": "advertising.test", "kind": "words", "words": "[包治]", "article": "第七条二",
              "severity": "high", "checklist": "scientific", "message": "绝对化用语"}
    fields.update(changes)
    body = "\n".join(f"    {k}: {v}" for k, v in fields.items() if v is not None)
    return "category: advertising\nrules:\n  - " + body.lstrip()


def test_the_shipped_rules_cover_every_category_and_name_their_articles():
    rules = load_rules()
    assert {r.category for r in rules.rules} == set(CATEGORIES)
    assert all(r.article.startswith(("第七条", "第九条", "第十条")) for r in rules.rules)


def test_a_good_file_loads_and_screens():
    rules = parse_rules({"ad.yaml": GOOD})
    [found] = screen("本品包治百病", rules=rules)
    assert (found.rule, found.text, found.message, found.checklist) == (
        "advertising.test", "包治", "绝对化用语「包治」", "scientific")


def test_the_version_is_the_content_hash():
    one, same, other = (parse_rules({"ad.yaml": text}) for text in (GOOD, GOOD, GOOD.replace("包治", "根治")))
    assert one.version == same.version != other.version


@pytest.mark.parametrize(("text", "expected"), [
    (entry(article=None), "ad.yaml 第 1 条规则（advertising.test）：缺少字段 article"),
    (entry(severity="urgent"), "（advertising.test）：severity 须为 high、medium、low 之一"),
    (entry(checklist="legal"), "checklist 须为 political"),
    (entry(article="第7条"), "article 须形如 第七条三"),
    (entry(kind="regex"), "kind 须为 words、pattern、names、links、form 之一"),
    (entry(wrods="[包治]"), "kind words 不支持字段 wrods"),
    (entry(words="包治"), "words 须为非空的文字列表"),
    (entry(words="[]"), "words 须为非空的文字列表"),
    (entry(words="[来源: 网络]"), "words 须为非空的文字列表"),
    (entry(id="Advertising Test"), "id 须形如 privacy.mobile"),
    (entry(kind="pattern", words=None, pattern="'(unclosed'"), "pattern 不是合法的正则表达式"),
    (entry(kind="pattern", words=None, pattern="'a*'"), "pattern 不能匹配空文字"),
    (entry(kind="pattern", words=None, pattern="'[0-9]+'", validator="luhn"), "validator 须为"),
    (entry(kind="form", words=None, check="spelling"), "check 须为 repost_source、author_department"),
    (entry(kind="form", words=None, check="repost_source"), "缺少字段 markers, present"),
    (entry(kind="links", words=None), "缺少字段 allow"),
    (entry(window=0, near="[家属]"), "window 须为 1 到 200 之间的整数"),
    (entry(message="''"), "message 须为非空文字"),
    (GOOD.replace("category: advertising", "category: ads"), "ad.yaml：category 须为"),
    (GOOD.replace("rules:", "rule:"), "ad.yaml：文件须为含 category 与 rules 的映射"),
    ("category: advertising\nrules: []\n", "ad.yaml：rules 须为非空列表"),
    ("category: advertising\nrules:\n  - [a, b]\n", "ad.yaml 第 1 条规则：须为映射"),
    ("category: advertising\nrules:\n\t- x\n", "ad.yaml 第 3 行：不是合法的 YAML"),
    # a list or a mapping where a name belongs (unhashable: it once escaped as a TypeError)
    (entry(kind="[words]"), "kind 须为 words"),
    (entry(severity="{high: 1}"), "severity 须为 high"),
    (entry(kind="pattern", words=None, pattern="'[0-9]+'", validator="[mobile]"), "validator 须为"),
    (entry(kind="form", words=None, check="[repost_source]"), "check 须为"),
    (GOOD.replace("category: advertising", "category: [advertising]"), "ad.yaml：category 须为"),
    # nesting past Python's recursion limit (PyYAML composes recursively)
    ("category: advertising\nrules: " + "[" * 5000, "ad.yaml：嵌套层次过深"),
])
def test_a_bad_entry_is_refused_naming_file_and_entry(text, expected):
    with pytest.raises(RulesError) as refused:
        parse_rules({"ad.yaml": text})
    assert expected in str(refused.value)


def test_a_duplicate_id_across_files_is_refused():
    with pytest.raises(RulesError, match="规则 id advertising.test 重复出现（a.yaml 与 b.yaml）"):
        parse_rules({"a.yaml": GOOD, "b.yaml": GOOD})


def test_an_empty_or_missing_folder_is_refused(tmp_path):
    with pytest.raises(RulesError, match="没有 \\*.yaml 规则文件"):
        load_rules(tmp_path)
    with pytest.raises(RulesError, match="规则目录不存在"):
        load_rules(tmp_path / "nowhere")


def test_a_file_that_is_not_utf8_is_refused(tmp_path):
    (tmp_path / "ad.yaml").write_bytes(textwrap.dedent(GOOD).encode("gbk"))
    with pytest.raises(RulesError, match="ad.yaml：无法读取"):
        load_rules(tmp_path)
