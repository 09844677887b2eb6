"""screen(): what each kind of rule finds, and what every finding promises."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.prescreen import CATEGORIES, CHECKLIST, SEVERITIES, screen

SIGNED = "\n供稿：心血管内科"
PIECES = ["患者张建国，男，56岁。", "手机13812345678。", "身份证11010519491231002X。", "住院号：20231234，", "3床",
          "本品根治糖尿病，", "限时优惠！", "近日确诊5例诺如病毒感染。", "详见 https://evil.example.com/x 。",
          "本文转载，", "风水改运，", "今天天气很好。", "高血压患者要规律服药。", "第一时间送医。", "😀", "\n",
          "https://www.nhc.gov.cn/a", "医疗纠纷", "家属", "。"]


def rules_hit(text: str, **kwargs) -> set[str]:
    return {f.rule for f in screen(text, **kwargs)}


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(PIECES) | st.text(max_size=8), max_size=12))
def test_every_finding_names_its_exact_span_and_valid_fields(parts):
    text = "".join(parts)
    for f in screen(text, attachments=[{"name": "x.jpg"}]):
        assert text[f.start:f.end] == f.text and 0 <= f.start <= f.end <= len(text)
        assert f.category in CATEGORIES and f.severity in SEVERITIES and f.checklist in CHECKLIST
        assert f.article.startswith("第") and f.message


@pytest.mark.parametrize(("text", "rule"), [
    ("患者张建国，男，56岁，因胸痛入院。", "privacy.patient_name"),
    ("家属刘德明表示感谢。", "privacy.patient_name"),
    ("联系电话13812345678", "privacy.mobile"),
    ("电话0575-85123456", "privacy.landline"),
    ("病案号 0098765", "privacy.record_number"),
    ("在12床前", "privacy.bed_number"),
    ("祖传秘方，包治百病", "advertising.absolute"),
    ("今晚直播带货", "advertising.promotion"),
    ("吃了可以逆转糖尿病", "advertising.unverified_efficacy"),
    ("本院确诊诺如病毒感染23例", "epidemic.case_count"),
    ("该医疗纠纷家属索赔50万元", "epidemic.dispute"),
    ("详见 http://www.mama-baike.com/a", "form.external_link"),
    ("本文为转载文章。", "form.repost_source"),
    ("来源：网络", "form.repost_source"),
    ("请大师看风水", "forbidden.superstition"),
    ("我院攻克癌症", "forbidden.uncertified_research"),
])
def test_each_kind_of_problem_is_found(text, rule):
    assert rule in rules_hit(text + SIGNED)


@pytest.mark.parametrize("text", [
    "患者王女士今年45岁。", "患者家属王某表示感谢。", "患者老李说很暖心。", "李明主任为患者进行手术。",
    "预约电话0575-87666000。", "开放床位800张。", "糖尿病目前还不能根治。", "谨防“祖传秘方”骗局。",
    "不要自行停药。", "全年门急诊186万人次。", "据国家卫健委通报，全国累计报告确诊病例326例。",
    "开展医疗纠纷预防和处理条例培训。", "医生第一时间赶到。", "我院心内科是国家级临床重点专科。",
    "详见 https://www.example-hospital.cn/news 与 https://m.nhc.gov.cn/a 。", "本文转载自“健康中国”公众号。",
    "欢迎转载。", "倡导大家破除迷信，相信科学。", "危重患者转运途中。",
])
def test_the_near_misses_are_not_findings(text):
    assert rules_hit(text + SIGNED) == set()


@pytest.mark.parametrize("link", ["https://example-hospital.cn.evil.com/a", "http://evilexample-hospital.cn",
                                  "https://user@nhc.gov.cn.example.org/", "www.nhc-gov.cn/x"])
def test_a_host_only_looking_allowed_is_a_finding(link):
    [found] = [f for f in screen(f"见 {link} 。{SIGNED}") if f.rule == "form.external_link"]
    assert found.text == link


def test_a_post_without_author_department_has_an_empty_span_finding():
    [found] = [f for f in screen("今天天气很好。") if f.rule == "form.author_department"]
    assert (found.start, found.end, found.text, found.severity) == (0, 0, "", "low")


def test_images_without_source_are_named_by_their_attachment():
    attachments = [{"name": "现场.jpg", "source": "宣传科摄"}, {"name": "图表.png"},
                   {"name": "说明.pdf"}, {"name": "scan", "kind": "image/jpeg", "source": " "}]
    found = [f for f in screen("正文" + SIGNED, attachments=attachments) if f.rule == "form.image_source"]
    assert [(f.attachment, f.message) for f in found] == [
        (1, "图片附件「图表.png」未注明来源，须确认版权。"), (3, "图片附件「scan」未注明来源，须确认版权。")]


def test_a_long_post_is_screened_whole():
    text = ("高血压患者要规律服药，定期复查。" * 700)[:9_990] + "患者张建国"
    found = screen(text + SIGNED)
    assert [(f.rule, f.start) for f in found] == [("privacy.patient_name", 9_992)]


def test_importing_and_first_use_print_and_warn_nothing():
    code = "from engine.prescreen import screen; screen('患者张建国')"
    done = subprocess.run([sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
