"""`flask --app wsgi pan send-digests`: the e-mails of saved searches that are due."""

from __future__ import annotations

from datetime import datetime

import click

from pan_platform.alerts.digests import send_digests
from pan_platform.cli import pan
from pan_platform.i18n import _


@pan.command("send-digests")
@click.option("--now", "now", type=click.DateTime(formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d"]), default=None,
              help="Act as if it were this moment (UTC); for catching up or testing.")
def send_digests_command(now: datetime | None) -> None:
    """Send the daily and weekly digests that are due. Safe to run again: a period already
    sent is not sent twice (the scheduler's `send-digests` job runs the same)."""
    report = send_digests(now)
    click.echo(_("Digests sent: %(sent)d; nothing new: %(empty)d; failed: %(failed)d.",
                 sent=report.sent, empty=report.empty, failed=report.failed))
    if report.failed:
        raise SystemExit(1)
