"""`pan expire-sharing`: apply ended agreements and access grants to stored labels and the index."""

from __future__ import annotations

import click

from pan_platform.access import expire_due
from pan_platform.cli import pan
from pan_platform.i18n import _


@pan.command("expire-sharing")
def expire_sharing() -> None:
    """Refresh the readers (and search index) of items whose sharing rules have ended."""
    ids = expire_due()
    click.echo(_("%(count)d items refreshed.", count=len(ids)))
