"""Time-based one-time passwords (RFC 6238 over RFC 4226 HOTP), HMAC-SHA1, 6 digits, 30 s,
the QR code that carries the set-up key, and the one-time recovery codes.

These are the parameters every authenticator app uses by default.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
import time
from urllib.parse import quote, urlencode

import segno

STEP = 30
DIGITS = 6
WINDOW = 1  # accept the previous and next step too: clocks drift
RECOVERY_CODES = 10
# Recovery codes: 10 letters and digits without look-alikes (0/o, 1/l/i), shown as xxxxx-xxxxx.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_LENGTH = 10
QR_OPTIONS = {"error": "m"}  # medium error correction: a screen photo with some glare still reads
QR_SVG_OPTIONS = {"scale": 4, "dark": "#000", "light": "#fff", "border": 4}


def new_secret() -> str:
    """A random 160-bit secret, base32 without padding (as authenticator apps expect)."""
    return base64.b32encode(secrets.token_bytes(20)).decode().rstrip("=")


def _key(secret: str) -> bytes:
    padded = secret.upper() + "=" * (-len(secret) % 8)
    return base64.b32decode(padded)


def hotp(secret: str, counter: int) -> str:
    digest = hmac.new(_key(secret), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(code % 10**DIGITS).zfill(DIGITS)


def current_step(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // STEP)


def code_at(secret: str, now: float | None = None) -> str:
    return hotp(secret, current_step(now))


def verify(secret: str, code: str, last_step: int | None = None, now: float | None = None) -> int | None:
    """The matched time step, or None. Steps at or before `last_step` are refused (no replay)."""
    code = (code or "").replace(" ", "").strip()
    if len(code) != DIGITS or not code.isdigit():
        return None
    step = current_step(now)
    for candidate in range(step - WINDOW, step + WINDOW + 1):
        if last_step is not None and candidate <= last_step:
            continue
        if hmac.compare_digest(hotp(secret, candidate), code):
            return candidate
    return None


def provisioning_uri(secret: str, account: str, issuer: str = "PAN Platform") -> str:
    """The otpauth:// URI that authenticator apps read (typed in, or from a QR code)."""
    label = quote(f"{issuer}:{account}")
    return f"otpauth://totp/{label}?" + urlencode({"secret": secret, "issuer": issuer})


def qr_svg(uri: str) -> str:
    """The QR code of `uri` as an inline <svg> element, made here (no outside service, no JS)."""
    return segno.make(uri, **QR_OPTIONS).svg_inline(**QR_SVG_OPTIONS)


def new_recovery_codes(count: int = RECOVERY_CODES) -> list[str]:
    codes: set[str] = set()
    while len(codes) < count:
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
        codes.add(f"{raw[:5]}-{raw[5:]}")
    return sorted(codes)


def normalise_recovery_code(code: str) -> str:
    """As stored: lower case with its dash, whatever spaces, dashes or case were typed."""
    raw = "".join(ch for ch in (code or "").lower() if ch.isalnum())
    return f"{raw[:5]}-{raw[5:]}" if len(raw) == RECOVERY_LENGTH else ""
