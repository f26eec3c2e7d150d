"""Reader labels in the index, with their end dates, so expiry is exact at query time.

A label granted by a rule without an end date is indexed as itself ("org:12"); a label
granted only until a moment (a sharing agreement or an access grant with an end date)
is indexed with it: "org:12@1767225600" (seconds since the epoch, UTC), see
`access.principals.label_expiries`. A query keeps, for each label the user holds, the
label itself and those of its dated terms still in the future (`live_terms`), so an
agreement that has just ended stops counting in every result, count, facet, suggestion
and correction at once, whether or not the expiry sweep has refreshed the item yet.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from pan_platform.util import utcnow

FIELD = "principals"
UNTIL = "@"


def _seconds(moment: datetime) -> float:
    if moment.tzinfo is None:  # the database holds naive UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def index_terms(expiries: dict[str, datetime | None]) -> list[str]:
    """The index terms of an item's labels (label -> end date, None: no end)."""
    return sorted(
        label if until is None else f"{label}{UNTIL}{int(_seconds(until))}"
        for label, until in expiries.items()
    )


def live_terms(reader, labels: Iterable[str], now: datetime | None = None) -> frozenset[str]:
    """The index terms granting `labels` at `now`: each label, and its dated terms whose
    end is still ahead (an end equal to now has passed, as in `readable_by`)."""
    now_seconds = _seconds(now or utcnow())
    terms = set(labels)
    for label in labels:
        for raw in reader.expand_prefix(FIELD, label + UNTIL):
            term = raw.decode("utf-8") if isinstance(raw, bytes) else raw
            ends = term[len(label) + 1:]
            if ends.isdigit() and int(ends) > now_seconds:
                terms.add(term)
    return frozenset(terms)
