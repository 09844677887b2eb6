"""Rules' regular expressions never get unbounded time: refused at load, bounded at screening."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.app import screening
from engine.prescreen import RulesError, parse_rules, screen
from engine.prescreen.patterns import PROBES, PatternTimeout

ATOMS = ["a", "[0-9]", r"\d", ".", r"\w", "[a-z0-9]", "中", r"\s", "[^。]"]
NESTINGS = ["({x}+)+", "({x}*)*", "({x}|{x})*", "({x}+{x}+)+", "(?:{x}+)+", "({x}{{1,}})+"]
ENDS = ["!", "$", "。", "x!", "(?!.)"]


def rules_with(pattern: str) -> dict[str, str]:
    """Return a one-rule rules folder whose rule runs ``pattern``."""
    quoted = pattern.replace("'", "''")
    return {"forbidden.yaml": f"""category: forbidden
rules:
  - id: forbidden.hostile
    kind: pattern
    pattern: '{quoted}'
    article: 第十条
    severity: high
    checklist: forbidden
    message: 测试「{{text}}」
"""}


@settings(max_examples=25, deadline=None)
@given(atom=st.sampled_from(ATOMS), nesting=st.sampled_from(NESTINGS), end=st.sampled_from(ENDS))
def test_a_backtracking_pattern_is_refused_or_bounded(atom, nesting, end):
    """Every nested-quantifier pattern is refused at load, or every probe screens within bound."""
    pattern = nesting.format(x=atom) + end
    try:
        rules = parse_rules(rules_with(pattern))
    except RulesError as err:
        assert "forbidden.yaml" in str(err)
        return
    for probe in PROBES:
        try:
            screen(probe, rules=rules)
        except PatternTimeout:
            pass  # bounded: the caller shows the post unscreened


@pytest.mark.parametrize("pattern", ["(a+)+!", "(1+1+)+。", "(中+中+)+!"])
def test_the_textbook_catastrophic_patterns_are_refused_naming_the_file(pattern):
    with pytest.raises(RulesError, match="forbidden.yaml.*超时"):
        parse_rules(rules_with(pattern))


def test_a_pattern_that_escapes_the_probes_times_out_instead_of_hanging():
    rules = parse_rules(rules_with("(q+q+)+y"))  # the probes hold no q
    with pytest.raises(PatternTimeout):
        screen("q" * 5000, rules=rules)


def test_a_drafting_step_goes_on_unscreened_when_a_rule_times_out():
    rules = parse_rules(rules_with("(q+q+)+y"))
    stored = screening.screen_post({"title": "标题", "body": "q" * 5000}, rules=rules)
    assert stored["findings"] == [] and stored["unavailable"] == screening.UNAVAILABLE
    assert stored["rules"] == rules.version
