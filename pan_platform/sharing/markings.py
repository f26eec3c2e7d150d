"""Handling markings: shown on every page of a marked item and written into the
metadata of its downloaded PDFs (by a bounded child process, cached: storage/mark.py);
every download is recorded for the owner's audit."""

from __future__ import annotations

from pathlib import Path

from flask_babel import force_locale

from pan_platform.audit.models import record
from pan_platform.extensions import db
from pan_platform.i18n import _l
from pan_platform.overview import usage
from pan_platform.storage.mark import marked_pdf

MARKINGS = {
    "law-enforcement-only": _l("Law enforcement only"),
    "restricted-distribution": _l("Restricted distribution"),
    "training-use-only": _l("For training use only"),
}
# Larger PDFs are sent as stored (with the marking header): rewriting them costs too much.
MAX_MARKED_PDF_BYTES = 64 * 1024 * 1024


def marking_of(item) -> str | None:
    policy = getattr(item, "policy", None)
    code = policy.marking if policy is not None else None
    return code if code in MARKINGS else None


def marking_text(code: str) -> str:
    """The marking as printed into files: English, whatever the interface language."""
    with force_locale("en"):
        return str(MARKINGS[code]).upper()


def marking_metadata(code: str, owner: str) -> dict[str, str]:
    """What is written into the metadata of a marked PDF."""
    text = marking_text(code)
    return {"/Marking": text, "/Subject": f"{text} - {owner}", "/Keywords": f"Handling marking: {text}"}


def apply_marking(version, path: Path) -> Path:
    """What to send for `version`: the stored path, or the (cached) marked copy of a marked
    PDF. A PDF that cannot be marked within the limits is sent as stored, with the header."""
    code = marking_of(version.item)
    if code is None or version.mime_type != "application/pdf" or version.size > MAX_MARKED_PDF_BYTES:
        return path
    marked = marked_pdf(path, version.sha256, marking_metadata(code, version.item.owner.name))
    return marked if marked is not None else path


def marking_headers(version) -> dict[str, str]:
    code = marking_of(version.item)
    return {"X-Handling-Marking": marking_text(code)} if code else {}


def record_download(user, version) -> None:
    """One audit event per download: who, from which organisation and country; the
    usage statistics count it by COUNTER's rules (no robots, a double click once)."""
    signed_in = user is not None and getattr(user, "is_authenticated", False)
    organisation = user.organisation if signed_in else None
    record(
        "download",
        user if signed_in else None,
        version.item,
        version=version.number,
        country=organisation.country_code if organisation is not None else None,
    )
    usage.count("download", user, version.item_id)
    db.session.commit()
