"""Password rules after NIST SP 800-63B: length and a blocklist, no composition rules.

- at least 12 characters, at most 256 (long passphrases welcome; the cap only bounds hashing cost);
- not one of the common or breached passwords shipped in `data/common-passwords.txt.gz`;
- not the user's e-mail address, its local part or the user's name (context-specific words);
- not a single character repeated.
"""

from __future__ import annotations

import gzip
from functools import lru_cache
from pathlib import Path

from pan_platform.i18n import _

MIN_LENGTH = 12
MAX_LENGTH = 256
_LIST = Path(__file__).parent / "data" / "common-passwords.txt.gz"


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    with gzip.open(_LIST, "rt", encoding="utf-8") as fh:
        return frozenset(line.strip() for line in fh if line.strip())


def _context_words(email: str | None, name: str | None) -> set[str]:
    words = set()
    if email:
        email = email.strip().lower()
        words.update({email, email.split("@")[0]})
    if name:
        words.add(name.strip().lower())
    return {w for w in words if w}


def password_problems(password: str, email: str | None = None, name: str | None = None) -> list[str]:
    """Translated reasons why `password` is refused; an empty list means it is accepted."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(_("The password must be at least %(n)d characters long.", n=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        problems.append(_("The password must be at most %(n)d characters long.", n=MAX_LENGTH))
    lowered = password.lower()
    if lowered in common_passwords():
        problems.append(_("This password is too common: it appears in lists of breached passwords."))
    elif lowered.strip() in _context_words(email, name):
        problems.append(_("The password must not be your e-mail address or your name."))
    elif password and len(set(password)) == 1:
        problems.append(_("The password must not be one character repeated."))
    return problems
