"""Password hashes: scrypt by the standard library, in the stored text format of old.

Hashes read ``scrypt:N:r:p$salt$hex`` (or ``pbkdf2:name:iterations$salt$hex`` for
older rows), the format the product wrote before the engine stopped importing any web
framework, so stored hashes stay valid and new ones read the same way.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string

SALT_CHARS = string.ascii_letters + string.digits
SCRYPT = (2 ** 15, 8, 1)  # n, r, p: 32 MiB and about 0.1 s per hash
PBKDF2_ITERATIONS = 1_000_000  # only for verifying pbkdf2 hashes stored without a count


def hash_password(password: str, salt_length: int = 16) -> str:
    """Return a salted scrypt hash of ``password`` as text for the users table."""
    salt = "".join(secrets.choice(SALT_CHARS) for _ in range(salt_length))
    method = "scrypt:{}:{}:{}".format(*SCRYPT)
    return f"{method}${salt}${_derive(method, salt, password)}"


def check_password(stored: str, password: str) -> bool:
    """Tell whether ``password`` matches hash text ``stored``; malformed text never matches."""
    try:
        method, salt, expected = stored.split("$", 2)
        actual = _derive(method, salt, password)
    except ValueError:
        return False
    return hmac.compare_digest(actual, expected)


def _derive(method: str, salt: str, password: str) -> str:
    """Return the hex digest ``method`` (with its parameters) derives from salt and password."""
    name, *args = method.split(":")
    if name == "scrypt":
        n, r, p = (int(a) for a in args) if args else SCRYPT
        if len(args) not in (0, 3):
            raise ValueError("scrypt takes n, r and p")
        return hashlib.scrypt(password.encode(), salt=salt.encode(), n=n, r=r, p=p,
                              maxmem=132 * n * r * p).hex()
    if name == "pbkdf2" and len(args) <= 2:
        digest = args[0] if args else "sha256"
        iterations = int(args[1]) if len(args) == 2 else PBKDF2_ITERATIONS
        return hashlib.pbkdf2_hmac(digest, password.encode(), salt.encode(), iterations).hex()
    raise ValueError(f"unknown password hash method {name}")
