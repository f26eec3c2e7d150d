"""`flask --app wsgi pan ...` commands."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from config import BASE_DIR
from pan_platform.accounts import operations as ops
from pan_platform.accounts.models import ROLES, TOKEN_DEFAULT_DAYS, TOKEN_LIFETIMES, TOKEN_SCOPES
from pan_platform.extensions import db
from pan_platform.i18n import _
from pan_platform.organisations.models import Organisation
from pan_platform.scheduler import run_once, run_worker
from pan_platform.seeding import seed_all
from pan_platform.thesaurus.operations import seed_if_empty

pan = AppGroup("pan", help="PAN Platform administration commands.")


@pan.command("seed")
@click.option("--path", type=click.Path(exists=True, file_okay=False, path_type=Path), default=BASE_DIR / "seed_data")
@click.option("--if-empty", is_flag=True, help="Only load when the database holds no organisations.")
def seed(path: Path, if_empty: bool) -> None:
    """Load countries, organisations, demo users and the demo catalogue, and the thesaurus when it is empty."""
    terms = seed_if_empty(path / "thesaurus.csv")
    db.session.commit()
    if terms:
        click.echo(_("Thesaurus loaded: %(n)d terms.", n=terms))
    if if_empty and db.session.scalar(select(Organisation.id).limit(1)) is not None:
        click.echo(_("The database already holds data; nothing loaded."))
        return
    counts = seed_all(path)
    click.echo(_("Loaded: %(countries)d countries, %(organisations)d organisations, %(users)d users, %(items)d items.", **counts))


@pan.command("create-user")
@click.option("--email", required=True)
@click.option("--org", "org_slug", required=True, help="Organisation slug.")
@click.option("--role", type=click.Choice(list(ROLES)), default="trainer")
@click.option("--name", default=None)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def create_user(email: str, org_slug: str, role: str, name: str | None, password: str) -> None:
    """Create a user in an organisation."""
    organisation = db.session.scalar(select(Organisation).where(Organisation.slug == org_slug))
    if organisation is None:
        raise click.UsageError(_("No organisation with the slug %(slug)s.", slug=org_slug))
    try:
        ops.create_user(organisation, email, name or email.strip().split("@")[0], role, password)
    except ops.AccountError as error:
        raise click.UsageError(str(error)) from error
    click.echo(_("User %(email)s created.", email=ops.normalise_email(email)))


@pan.command("create-token")
@click.option("--email", required=True)
@click.option("--name", default="cli", help="A label to recognise the token by.")
@click.option("--scope", type=click.Choice(list(TOKEN_SCOPES)), default="read", show_default=True,
              help="read: read only; write: read and write.")
@click.option("--days", type=click.Choice([str(d) if d else "never" for d in TOKEN_LIFETIMES]),
              default=str(TOKEN_DEFAULT_DAYS), show_default=True, help="Days until the token expires.")
def create_token(email: str, name: str, scope: str, days: str) -> None:
    """Print a new personal API token (shown once; only its hash is stored)."""
    user = ops.find_user(email)
    if user is None:
        raise click.UsageError(_("No user with this e-mail address."))
    try:
        clear = ops.create_api_token(user, name, scope, None if days == "never" else int(days))
    except ops.AccountError as error:
        raise click.UsageError(str(error)) from error
    click.echo(clear)


@pan.command("worker")
@click.option("--once", is_flag=True, help="Run every job once and exit (cron, tests).")
def worker(once: bool) -> None:
    """Run the scheduled jobs (pan_platform/scheduler.py) until SIGTERM."""
    app = current_app._get_current_object()
    if once:
        results = run_once(app)
        if not all(results.values()):
            raise SystemExit(1)
        return
    run_worker(app)

