"""Offline packages: a curriculum or module as one ZIP that works from disk.

The ZIP holds `index.html` (the curriculum or module), one static page per module and
material under `items/`, and under `files/` every file this viewer may download, with
its licence on the pages; files given on request are left out with a note. Pages link to
each other with relative links only.

Small packages are built in the request; bigger ones are queued and built by the
scheduler's `build-packages` job, which writes its progress (files done of total) into
the package row the status page shows. A build writes a heartbeat with its progress; one
that stops writing it for PAN_PACKAGE_STALL_SECONDS (its process died) no longer counts
as live and is failed, so the status page stops waiting and offers to try again.

A package is served only to callers with the same reader labels and the same fingerprint
as it was built for (models.py); the `clean-packages` job removes old, superseded and
unknown package files.
"""

from __future__ import annotations

import logging
import os
import zipfile
from datetime import timedelta
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import and_, func, select, update
from werkzeug.exceptions import NotFound
from werkzeug.utils import secure_filename

from pan_platform.access import can
from pan_platform.accounts.models import User
from pan_platform.audit.models import record
from pan_platform.catalogue.models import Item
from pan_platform.extensions import db
from pan_platform.operations import operation
from pan_platform.overview import usage
from pan_platform.sharing.markings import apply_marking
from pan_platform.storage import store
from pan_platform.syllabus.models import OfflinePackage
from pan_platform.syllabus.outline import SYLLABUS_KINDS, Node, build_outline, fingerprint, labels_key
from pan_platform.syllabus.render import interface_locale, page_address
from pan_platform.util import utcnow

log = logging.getLogger(__name__)
LIVE_STATES = ("queued", "building", "ready")


def package_dir() -> Path:
    path = Path(current_app.config["PAN_PACKAGE_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def package_path(package: OfflinePackage) -> Path:
    return package_dir() / package.file_name


def packable(user, item: Item | None) -> bool:
    """May `user` have a package (or a syllabus) of `item`? Hidden and missing alike: no."""
    return item is not None and item.kind in SYLLABUS_KINDS and can(user, "read", item)


def _files(outline: Node) -> list:
    return [version for node in outline.walk() for version in node.files.allowed]


def is_small(outline: Node) -> bool:
    """Built in the request: few and small files (settings in config.py)."""
    files = _files(outline)
    limit = current_app.config["PAN_PACKAGE_INLINE_MB"] * 1024 * 1024
    return len(files) <= current_app.config["PAN_PACKAGE_INLINE_FILES"] and sum(f.size for f in files) <= limit


def _stall_cutoff():
    return utcnow() - timedelta(seconds=current_app.config["PAN_PACKAGE_STALL_SECONDS"])


def _stalled(cutoff):
    """Building, with no heartbeat since `cutoff`: the process building it has died."""
    return and_(OfflinePackage.status == "building",
                func.coalesce(OfflinePackage.heartbeat_at, OfflinePackage.created_at) < cutoff)


def _same_package(user, item: Item, language: str):
    outline = build_outline(user, item, language)
    return select(OfflinePackage).where(
        OfflinePackage.item_id == item.id,
        OfflinePackage.labels_key == labels_key(user),
        OfflinePackage.fingerprint == fingerprint(outline, language),
        OfflinePackage.language == language,
    ).order_by(OfflinePackage.id.desc()).limit(1)


def current_package(user, item: Item, language: str) -> OfflinePackage | None:
    """The newest live package of what `user` may have of `item` now, if any (a stalled
    build is not live, even before a job has failed it)."""
    return db.session.scalar(_same_package(user, item, language).where(
        OfflinePackage.status.in_(LIVE_STATES), ~_stalled(_stall_cutoff())))


def last_attempt_failed(user, item: Item, language: str) -> bool:
    """Did the newest package of what `user` may have of `item` fail (or stall)?"""
    package = db.session.scalar(_same_package(user, item, language))
    if package is None:
        return False
    cutoff = _stall_cutoff()
    return package.status == "failed" or (
        package.status == "building" and (package.heartbeat_at or package.created_at) < cutoff)


def ready_package(user, item: Item, language: str) -> OfflinePackage | None:
    package = current_package(user, item, language)
    if package is None or package.status != "ready" or not package_path(package).is_file():
        return None
    return package


@operation
def request_package(user, item: Item, language: str) -> OfflinePackage:
    """The live package for `user`'s rights on `item`, or a new queued one."""
    if not packable(user, item):
        raise NotFound()
    existing = current_package(user, item, language)
    if existing is not None:
        return existing
    _fail_stalled(item.id)  # asked again after a dead build: that one is failed now
    outline = build_outline(user, item, language)
    package = OfflinePackage(
        item_id=item.id, requested_by_id=getattr(user, "id", None), labels_key=labels_key(user),
        fingerprint=fingerprint(outline, language), language=language, total=len(_files(outline)),
    )
    db.session.add(package)
    return package


def build_package(package_id: int) -> bool:
    """Build one queued package (claimed first, so two workers never build the same one).
    False when it was not queued or failed."""
    claimed = db.session.execute(
        update(OfflinePackage)
        .where(OfflinePackage.id == package_id, OfflinePackage.status == "queued")
        .values(status="building", heartbeat_at=utcnow())
    ).rowcount
    db.session.commit()
    if not claimed:
        return False
    package = db.session.get(OfflinePackage, package_id)
    target = package_path(package)
    partial = target.with_suffix(".partial")
    try:
        _build(package, partial)
        os.replace(partial, target)
    except Exception:
        log.exception("offline package %s failed", package_id)
        db.session.rollback()
        partial.unlink(missing_ok=True)
        package = db.session.get(OfflinePackage, package_id)
        package.status = "failed"
        db.session.commit()
        return False
    # Ready only if still ours: a build taken for dead meanwhile has been failed (and may
    # have been asked for again); its file is not served.
    finished = db.session.execute(
        update(OfflinePackage)
        .where(OfflinePackage.id == package_id, OfflinePackage.status == "building")
        .values(status="ready", size=target.stat().st_size)
    ).rowcount
    db.session.commit()
    if not finished:
        target.unlink(missing_ok=True)
    return bool(finished)


def _build(package: OfflinePackage, partial: Path) -> None:
    user = db.session.get(User, package.requested_by_id) if package.requested_by_id else None
    item = db.session.get(Item, package.item_id)
    if not packable(user, item):
        raise LookupError("the item is no longer readable by the requester")
    outline = build_outline(user, item, package.language)
    # The rights may have changed since the request: the package holds (and is served
    # for) what they are now.
    package.fingerprint, package.total = fingerprint(outline, package.language), len(_files(outline))
    db.session.commit()

    def progress(done: int) -> None:
        package.done, package.heartbeat_at = done, utcnow()
        db.session.commit()

    write_zip(outline, package.language, partial, progress)


def write_zip(outline: Node, language: str, target: Path, progress=lambda done: None) -> None:
    """The package: pages and files, with relative links only."""
    paths = {}
    for node in outline.walk():
        for position, version in enumerate(node.files.allowed, start=1):
            # A material holds several files, which may share a name: each gets its place.
            name = secure_filename(version.original_name) or f"file-{version.number}"
            paths[version.id] = f"files/{node.item.id}/{position}-{name}"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(Path(current_app.static_folder) / "css" / "offline.css", "style.css")
        with force_locale(interface_locale(language)):
            for node in outline.walk():
                name = "index.html" if node is outline else f"items/{node.item.id}.html"
                archive.writestr(name, _page(outline, node, paths, language))
        done = 0
        for node in outline.walk():
            for version in node.files.allowed:
                source = store.path_for(version.sha256)
                if source.is_file():  # a missing blob is left out, never a failed package
                    archive.write(apply_marking(version, source), paths[version.id])
                else:
                    log.warning("offline package: file version %s has no stored blob", version.id)
                done += 1
                progress(done)


def _page(outline: Node, node: Node, paths: dict, language: str) -> str:
    prefix = "" if node is outline else "../"
    return render_template(
        "syllabus/offline/page.html", root=outline, node=node, paths=paths, prefix=prefix,
        is_root=node is outline, page_address=page_address(node.item, language), language=language,
        generated=utcnow(),
    )


def record_package_download(user, package: OfflinePackage, outline: Node) -> None:
    """Each file in a served package counts as a download in the owners' audit."""
    signed_in = user is not None and getattr(user, "is_authenticated", False)
    organisation = user.organisation if signed_in else None
    for node in outline.walk():
        for version in node.files.allowed:
            record("download", user if signed_in else None, node.item, version=version.number,
                   country=organisation.country_code if organisation is not None else None,
                   package=package.id)
            usage.count("download", user, node.item.id)
    db.session.commit()


# -- scheduled jobs (scheduler.py) --------------------------------------------------------

def _fail_stalled(item_id: int | None = None) -> int:
    """Fail the builds whose process died (no heartbeat for PAN_PACKAGE_STALL_SECONDS); the
    caller commits. Returns how many."""
    statement = update(OfflinePackage).where(_stalled(_stall_cutoff())).values(status="failed")
    if item_id is not None:
        statement = statement.where(OfflinePackage.item_id == item_id)
    failed = db.session.execute(statement.execution_options(synchronize_session=False)).rowcount
    if failed:
        log.warning("offline packages: %d build(s) stopped without finishing, marked failed", failed)
    return failed


def build_queued() -> int:
    """`build-packages`: fail stalled builds, then build every queued package, oldest first.
    Returns how many were built."""
    _fail_stalled()
    db.session.commit()
    ids = db.session.scalars(
        select(OfflinePackage.id).where(OfflinePackage.status == "queued").order_by(OfflinePackage.id)
    ).all()
    return sum(build_package(package_id) for package_id in ids)


def remove_old_packages() -> int:
    """`clean-packages`: remove packages older than PAN_PACKAGE_KEEP_HOURS, ready packages
    superseded by a newer one for the same item, labels and language, and files no row
    names. Returns how many rows were removed."""
    cutoff = utcnow() - timedelta(hours=current_app.config["PAN_PACKAGE_KEEP_HOURS"])
    rows = db.session.scalars(select(OfflinePackage).order_by(OfflinePackage.id.desc())).all()
    newest: set[tuple] = set()
    removed = []
    for package in rows:
        key = (package.item_id, package.labels_key, package.language)
        superseded = package.status == "ready" and key in newest
        if package.status == "ready":
            newest.add(key)
        if package.created_at < cutoff or superseded:
            removed.append(package)
    for package in removed:
        package_path(package).unlink(missing_ok=True)
        db.session.delete(package)
    db.session.commit()
    known = {package.file_name for package in rows if package not in removed}
    for path in package_dir().iterdir():
        stem = path.name.removesuffix(".partial").removesuffix(".zip") + ".zip"
        if stem not in known:
            path.unlink(missing_ok=True)
    return len(removed)
