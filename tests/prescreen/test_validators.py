"""Validators of the pre-screen: GB 11643 check characters and phone numbers (第七条三)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.prescreen import screen
from engine.prescreen.validators import id_check_char, landline, mobile, phone, resident_id

seventeen = st.text(alphabet="0123456789", min_size=17, max_size=17)
FILLER = st.text(alphabet="患者今日来院复诊情况良好，。医生建议定期随访", max_size=30)


def test_the_standards_own_example_is_valid():
    # GB 11643-1999, appendix: 11010519491231002X
    assert resident_id("11010519491231002X")
    assert resident_id("11010519491231002x")
    assert not resident_id("110105194912310021")


@settings(max_examples=60, deadline=None)
@given(seventeen)
def test_a_number_with_its_check_character_is_valid(first17):
    assert resident_id(first17 + id_check_char(first17))


@settings(max_examples=60, deadline=None)
@given(seventeen, st.integers(0, 16), st.integers(1, 9))
def test_changing_any_one_digit_makes_it_invalid(first17, position, shift):
    valid = first17 + id_check_char(first17)
    changed = valid[:position] + str((int(valid[position]) + shift) % 10) + valid[position + 1:]
    assert not resident_id(changed)


@settings(max_examples=60, deadline=None)
@given(seventeen, st.sampled_from("0123456789X"))
def test_a_wrong_check_character_is_invalid(first17, check):
    if check != id_check_char(first17):
        assert not resident_id(first17 + check)


@pytest.mark.parametrize("value", ["1101051949123100", "11010519491231002XX", "１１０１０５１９４９１２３１００２X",
                                   "a1010519491231002X", ""])
def test_anything_but_eighteen_ascii_characters_is_not_an_id(value):
    assert not resident_id(value)


@settings(max_examples=40, deadline=None)
@given(FILLER, seventeen, FILLER)
def test_in_a_post_a_valid_id_is_a_high_finding_and_an_invalid_one_a_low_hint(before, first17, after):
    valid = first17 + id_check_char(first17)
    wrong = first17 + ("1" if id_check_char(first17) != "1" else "2")
    for number, severity in ((valid, "high"), (wrong, "low")):
        text = f"{before}身份证{number}{after}"
        [found] = [f for f in screen(text) if f.rule == "privacy.resident_id"]
        assert (found.text, found.severity) == (number, severity)
        assert text[found.start:found.end] == number


@pytest.mark.parametrize("value", ["13812345678", "+86 138 1234 5678", "8613812345678", "199-0000-1111"])
def test_mobile_numbers(value):
    assert mobile(value) and phone(value)


@pytest.mark.parametrize("value", ["12812345678", "1381234567", "138123456789", "23812345678"])
def test_not_mobile_numbers(value):
    assert not mobile(value)


@pytest.mark.parametrize("value", ["0575-85123456", "010-62345678", "（0571）8512345", "0575 85123456"])
def test_landlines(value):
    assert landline(value) and phone(value)


@pytest.mark.parametrize("value", ["0575-05123456", "00575-85123456", "0575-851234", "575-85123456", "0575-123456789"])
def test_not_landlines(value):
    assert not landline(value)
