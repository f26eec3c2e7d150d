"""`flask --app wsgi pan thesaurus export FILE` and `pan thesaurus import FILE`."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from pan_platform.cli import pan
from pan_platform.i18n import _
from pan_platform.thesaurus import operations

thesaurus = AppGroup("thesaurus", help="Export or replace the thesaurus of search terms (CSV).")
pan.add_command(thesaurus)


@thesaurus.command("export")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def export(path: Path) -> None:
    """Write the thesaurus to PATH as CSV (concept,area,lang,term,preferred)."""
    text = operations.export_csv()
    path.write_text(text, encoding="utf-8")
    click.echo(_("Thesaurus written to %(path)s: %(n)d terms.", path=str(path), n=text.count("\n") - 1))


@thesaurus.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_(path: Path) -> None:
    """Replace the thesaurus with the CSV file at PATH; a file with any fault changes nothing."""
    try:
        with path.open("rb") as fh:
            revision = operations.import_csv(fh, None)
    except operations.ThesaurusError as error:
        raise click.ClickException("\n".join(error.problems)) from error
    click.echo(_("Thesaurus replaced: %(terms)d terms of %(concepts)d concepts.",
                 terms=revision.terms, concepts=revision.concepts))
