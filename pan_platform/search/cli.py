"""`flask --app wsgi pan reindex` and `pan check-index`."""

from __future__ import annotations

import click
from tqdm import tqdm

from pan_platform import search
from pan_platform.cli import pan
from pan_platform.i18n import _
from pan_platform.search import index as search_index


@pan.command("reindex")
@click.option("--if-missing", is_flag=True,
              help="Only build when no index exists yet or it was built with an older schema.")
@click.option("--procs", type=click.IntRange(0, 16), default=0, show_default=True,
              help="Indexing processes; 0: one per core for 4,000 items or more.")
def reindex(if_missing: bool, procs: int) -> None:
    """Rebuild the search index from the database, aside, then swap it in."""
    if if_missing and search_index.live_dir(search.index_path()) is not None:
        if not search.schema_outdated():
            click.echo(_("The search index exists; nothing to do."))
            return
        click.echo(_("The search index was built with an older schema: rebuilding it."))
    total = search.item_count()

    def progress(docs):
        return tqdm(docs, total=total, unit=_("items"), desc=_("Indexing"), disable=None)

    count = search.rebuild(progress=progress, procs=procs or None)
    click.echo(_("Search index rebuilt: %(count)d items.", count=count))


@pan.command("check-index")
@click.option("--repair", is_flag=True, help="Re-index what differs from the database.")
def check_index(repair: bool) -> None:
    """Report (and optionally repair) drift between the database and the search index."""
    report = search.check(repair=repair)
    if report.schema_outdated:
        click.echo(_("The search index was built with an older schema: rebuild needed (`pan reindex`)."))
        raise SystemExit(1)
    click.echo(_("Items in the database: %(n)d; documents in the index: %(m)d.",
                 n=report.in_database, m=report.in_index))
    if report.deleted:
        click.echo(_("Removed documents still held on disk: %(n)d (`pan reindex` compacts the index).",
                     n=report.deleted))
    for label, ids in (
        (_("Missing from the index"), report.missing),
        (_("In the index but deleted"), report.extra),
        (_("Out of date in the index"), report.stale),
        (_("Queued after a failed write"), report.pending),
        (_("Damaged index files"), report.damaged),
    ):
        shown = ", ".join(str(i) for i in ids[:20]) + (" …" if len(ids) > 20 else "")
        click.echo(f"{label}: {len(ids)}" + (f" ({shown})" if ids else ""))
    if report.clean:
        click.echo(_("The index matches the database."))
    elif report.repaired:
        after = search.check()
        click.echo(_("Repaired.") if after.clean else _("Some differences remain; run `pan reindex`."))
        if not after.clean:
            raise SystemExit(1)
    else:
        click.echo(_("Run with --repair to fix these."))
        raise SystemExit(1)
