"""Password rules (NIST SP 800-63B) and TOTP (RFC 6238 test vectors)."""

from __future__ import annotations

import pytest

from pan_platform.accounts import totp
from pan_platform.accounts.passwords import MAX_LENGTH, common_passwords, password_problems

RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # base32 of "12345678901234567890"


@pytest.mark.parametrize(
    ("password", "accepted"),
    [
        ("correct horse battery staple", True),
        ("short", False),
        ("elevenchars", False),
        ("twelve chars", True),
        ("a" * 12, False),
        ("x" * (MAX_LENGTH + 1), False),
        ("4091 7730 5518 2264", True),  # no composition rules: digits only is fine when long and not common
        ("password1234", False),  # in the breached list
        ("PASSWORD1234", False),  # compared in lower case
        ("1qaz2wsx3edc", False),  # a keyboard walk from the breached list
        ("anna.berger@example.org", False),  # the user's own e-mail address
    ],
)
def test_password_rules(app, password, accepted):
    problems = password_problems(password, email="anna.berger@example.org", name="Anna Berger")
    assert (problems == []) is accepted, problems


def test_the_shipped_list_is_large_and_loaded(app):
    words = common_passwords()
    assert len(words) > 15_000
    assert "iloveyou" in words and "123456" in words


def test_hotp_and_totp_match_the_rfc_vectors():
    # RFC 4226 appendix D: counter 0..2
    assert [totp.hotp(RFC_SECRET, c) for c in range(3)] == ["755224", "287082", "359152"]
    # RFC 6238 appendix B (SHA-1), last six of the eight digits
    assert totp.code_at(RFC_SECRET, now=59) == "287082"
    assert totp.code_at(RFC_SECRET, now=1111111109) == "081804"
    assert totp.code_at(RFC_SECRET, now=2000000000) == "279037"


def test_verify_window_and_replay():
    secret = totp.new_secret()
    now = 1_700_000_000
    code = totp.code_at(secret, now)
    step = totp.verify(secret, code, now=now)
    assert step == totp.current_step(now)
    assert totp.verify(secret, code, last_step=step, now=now) is None  # used once
    assert totp.verify(secret, totp.code_at(secret, now - 30), now=now) == step - 1  # clock drift
    assert totp.verify(secret, totp.code_at(secret, now - 90), now=now) is None
    assert totp.verify(secret, "abcdef", now=now) is None
    assert totp.verify(secret, "", now=now) is None


def test_provisioning_uri():
    uri = totp.provisioning_uri("ABCDEF", "a@example.org")
    assert uri.startswith("otpauth://totp/PAN%20Platform%3Aa%40example.org?")
    assert "secret=ABCDEF" in uri
