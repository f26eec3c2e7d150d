"""`flask --app wsgi pan backup PATH` and `pan restore PATH`."""

from __future__ import annotations

from pathlib import Path

import click

from pan_platform.admin import backup as backup_module
from pan_platform.cli import pan
from pan_platform.i18n import _


@pan.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup(path: Path) -> None:
    """Write the database, the stored files and a manifest to PATH (a .tar.gz); safe while serving."""
    manifest = backup_module.backup(path)
    rows = sum(manifest["tables"].values())
    click.echo(_("Backup written to %(path)s: %(rows)d rows in %(tables)d tables, %(files)d files.",
                 path=str(path), rows=rows, tables=len(manifest["tables"]), files=len(manifest["files"])))
    if manifest["missing_files"]:
        click.echo(_("Warning: %(n)d referenced files were missing from the store.", n=len(manifest["missing_files"])), err=True)


@pan.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--no-index", is_flag=True, help="Do not rebuild the search index afterwards.")
def restore(path: Path, no_index: bool) -> None:
    """Load a backup into an empty instance (run `flask db upgrade` first), then rebuild the index."""
    try:
        manifest = backup_module.restore(path, rebuild_index=not no_index)
    except backup_module.BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(_("Restored %(rows)d rows and %(files)d files from %(path)s.",
                 rows=sum(manifest["tables"].values()), files=len(manifest["files"]), path=str(path)))
