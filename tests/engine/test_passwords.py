"""Password hashes made without any web framework stay interchangeable with stored ones."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.security import check_password_hash, generate_password_hash

from engine.org.passwords import check_password, hash_password

# cheap parameters keep property runs fast; the format and derivation are the same
FAST = "scrypt:1024:8:1"


def test_a_stored_werkzeug_hash_verifies():
    stored = generate_password_hash("审发-密码-1")
    assert stored.startswith("scrypt:32768:8:1$")
    assert check_password(stored, "审发-密码-1")
    assert not check_password(stored, "审发-密码-2")


def test_a_new_hash_verifies_with_werkzeug():
    made = hash_password("审发-密码-1")
    method, salt, digest = made.split("$")
    assert method == "scrypt:32768:8:1" and len(salt) == 16 and len(digest) == 128
    assert check_password_hash(made, "审发-密码-1")
    assert not check_password_hash(made, "审发-密码-2")


def test_pbkdf2_hashes_still_verify():
    stored = generate_password_hash("old-one", method="pbkdf2:sha256:1000")
    assert check_password(stored, "old-one") and not check_password(stored, "old-two")


@pytest.mark.parametrize("stored", ["", "plain", "scrypt:1:2$salt", "md5$salt$abc",
                                    "scrypt:x:8:1$s$00", "pbkdf2:sha256:1:2$s$00"])
def test_malformed_hashes_never_match(stored):
    assert not check_password(stored, "plain")


@settings(max_examples=25, deadline=None)
@given(st.text(max_size=40), st.text(max_size=40))
def test_both_implementations_agree(password, other):
    theirs = generate_password_hash(password, method=FAST)
    assert check_password(theirs, password)
    assert check_password(theirs, other) == (password == other)
    method, salt, _ = theirs.split("$")
    from engine.org.passwords import _derive  # the same salt gives the same digest
    assert f"{method}${salt}${_derive(method, salt, password)}" == theirs
