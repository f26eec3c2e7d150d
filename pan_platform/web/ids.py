"""Row ids taken from URLs and forms: only numbers a row can have reach the database.

Every id column is an INTEGER (32-bit signed on PostgreSQL, which raises on a larger
parameter; SQLite raises beyond 64 bits), so a larger number is "not found" here,
before any query, exactly like an id that does not exist.
"""

from __future__ import annotations

from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1


def _up_to(limit: str) -> str:
    """A regular expression for the decimal numbers 1..limit, without leading zeros."""
    parts = [rf"[1-9][0-9]{{0,{len(limit) - 2}}}"]  # every shorter number
    for i, digit in enumerate(limit):
        if i == 0 and digit > "1":
            parts.append(rf"[1-{int(digit) - 1}][0-9]{{{len(limit) - 1}}}")
        elif i > 0 and digit > "0":
            parts.append(rf"{limit[:i]}[0-{int(digit) - 1}][0-9]{{{len(limit) - i - 1}}}")
    parts.append(limit)
    return "(?:" + "|".join(parts) + ")"


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: 1..MAX_ID, or the route does not match (404).

    The range is in the pattern, not only in the conversion: a number out of range must not
    match the path at all. Werkzeug checks a rule's method before converting its values, so
    a path served by one rule per method would otherwise answer 405 for such a number."""

    regex = _up_to(str(MAX_ID))

    def __init__(self, map, fixed_digits: int = 0, min: int = 1, max: int = MAX_ID, signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def parse_id(value: str | None) -> int | None:
    """An id typed into a form or a query string, or None when no row can have it."""
    value = (value or "").strip()
    if not value.isdecimal() or len(value) > len(str(MAX_ID)):
        return None
    number = int(value)
    return number if 1 <= number <= MAX_ID else None
