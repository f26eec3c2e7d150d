"""`flask --app wsgi pan import ...`, `pan extract-pending` and `pan previews`."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click
from sqlalchemy import select
from tqdm import tqdm

from pan_platform.accounts.models import User
from pan_platform.catalogue.importer import ImportFailed, build_zip, import_archive
from pan_platform.catalogue.models import Item
from pan_platform.cli import pan
from pan_platform.extensions import db
from pan_platform.i18n import _
from pan_platform.storage import previews
from pan_platform.storage.extract import extract_version, pending_ids


@pan.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--user", "email", required=True, help="E-mail of the editor the items are imported as.")
def import_command(path: Path, email: str) -> None:
    """Import a ZIP (or a directory) holding manifest.json or manifest.csv and its files."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise click.UsageError(_("No user with this e-mail address."))
    with tempfile.TemporaryDirectory() as tmp:
        archive = build_zip(path, Path(tmp) / "import.zip") if path.is_dir() else path
        bar = tqdm(total=0, unit="item", desc=_("Importing"))

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        try:
            report = import_archive(user, archive, progress=progress, source_name=path.name)
        except ImportFailed as error:
            bar.close()
            click.echo(_("Nothing was imported. Problems found:"), err=True)
            for line in error.errors:
                click.echo(f"  - {line}", err=True)
            raise SystemExit(1) from None
        bar.close()
    click.echo(_("Imported %(items)d items and %(files)d files.", items=report.created, files=report.files))


@pan.command("extract-pending")
def extract_pending() -> None:
    """Extract the text of every file version still waiting (each in a bounded process)."""
    ids = pending_ids()
    counts: dict[str, int] = {}
    for version_id in tqdm(ids, unit="file", desc=_("Extracting text")):
        status = extract_version(version_id) or "skipped"
        counts[status] = counts.get(status, 0) + 1
    summary = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "0"
    click.echo(_("Text extraction finished (%(summary)s).", summary=summary))


@pan.command("previews")
@click.option("--missing", is_flag=True, help="Only files whose preview was never made, is pending or lost its images.")
def previews_command(missing: bool) -> None:
    """(Re)make the thumbnails and page previews of the materials' current files (each in a
    bounded process), and delete images of versions that no longer exist."""
    ids = []
    for item in db.session.scalars(select(Item).where(Item.file_versions.any()).order_by(Item.id)):
        version = previews.current_version(item)
        if version is not None and (not missing or previews.needs_build(version)):
            ids.append(version.id)
    counts: dict[str, int] = {}
    for version_id in tqdm(ids, unit="file", desc=_("Making previews")):
        status = previews.rebuild(version_id) or "skipped"
        counts[status] = counts.get(status, 0) + 1
    previews.remove_orphan_folders()
    summary = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "0"
    click.echo(_("Previews finished (%(summary)s).", summary=summary))
