"""Validators of numbers that identify a person (第七条三, 第十条: patient privacy).

Written once and unit-tested; a rule names one in its ``validator`` field.  A validator
says whether a pattern's match really is such a number: a hit if yes, at most a weaker
hint if not.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# GB 11643-1999: ISO 7064 MOD 11-2 weights of the first 17 digits, and the check character
# for each remainder.
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
SEPARATORS = re.compile(r"[\s\-()（）]")


def id_check_char(first17: str) -> str:
    """Return the check character of a resident ID number from its first 17 digits."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def resident_id(value: str) -> bool:
    """Tell whether an 18-character resident ID number carries a valid GB 11643 check character."""
    if len(value) != 18 or not value[:17].isascii() or not value[:17].isdigit():
        return False
    return value[17].upper() == id_check_char(value[:17])


def mobile(value: str) -> bool:
    """Tell whether a number is a mainland mobile number (+86 allowed): 1, then 3-9, then 9 digits."""
    digits = SEPARATORS.sub("", value).removeprefix("+86").removeprefix("0086")
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    return len(digits) == 11 and digits.isascii() and digits.isdigit() and digits[0] == "1" and digits[1] in "3456789"


def landline(value: str) -> bool:
    """Tell whether a number is a fixed-line number: area code, then 7-8 digits not starting 0/1.

    Area codes are 010 and 02x (three digits) or 0 and three digits elsewhere (0575 Shaoxing).
    """
    digits = SEPARATORS.sub("", value)
    if len(digits) < 3 or not (digits.isascii() and digits.isdigit() and digits[0] == "0") or digits[1] == "0":
        return False
    local = digits[3:] if digits[1] in "12" else digits[4:]
    return len(local) in (7, 8) and local[0] not in "01"


def phone(value: str) -> bool:
    """Tell whether a number is a mobile or a fixed-line number."""
    return mobile(value) or landline(value)


VALIDATORS: dict[str, Callable[[str], bool]] = {
    "resident_id": resident_id,
    "mobile": mobile,
    "landline": landline,
    "phone": phone,
}
