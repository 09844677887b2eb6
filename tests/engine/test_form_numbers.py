"""A form's number field accepts decimals; its integer field refuses them (found by mypy)."""

import pytest

from engine.model.forms import FormInvalid, validate_submission

FORM = {"type": "object", "properties": {"dose": {"type": "number", "title": "剂量"},
                                         "count": {"type": "integer", "title": "份数"}}}


def test_a_number_field_takes_a_decimal():
    assert validate_submission(FORM, {"dose": 1.5, "count": 2}) == {"dose": 1.5, "count": 2}


@pytest.mark.parametrize("data", [{"count": 1.5}, {"dose": "许多"}, {"count": "2x"}])
def test_bad_numbers_are_refused_in_chinese(data):
    with pytest.raises(FormInvalid, match="请输入数字"):
        validate_submission(FORM, data)
