"""`dtoa init [DIR]`: a working folder with its configuration, database and folders."""

from __future__ import annotations

import os
from pathlib import Path

import click

from dtoa.cli.common import Invocation
from dtoa.config import CONFIG_ENV, ConfigChoice
from dtoa.pipelines.ingest import INBOX_KINDS
from dtoa.workspace import config_in, make_folders, prepare_database, write_default_config


@click.command()
@click.argument("folder", required=False, type=click.Path(file_okay=False))
@click.pass_context
def init(ctx: click.Context, folder: str | None) -> None:
    """Make a working folder (FOLDER, else the one --config or DTOA_CONFIG names, else the
    current folder): config.toml copied from the shipped default, the database, and inbox/,
    outbox/, processed/, reports/ and quarantine/ beside it. Safe to run again: an existing
    config.toml is kept and nothing is overwritten."""
    invocation = ctx.find_object(Invocation)
    if folder and invocation.config:
        raise click.UsageError("give a FOLDER or --config, not both")
    choice = (ConfigChoice(config_in(Path(folder)), "FOLDER") if folder
              else invocation.choice())
    created = write_default_config(choice.path)
    settings = invocation.settings(choice, announce=False)
    folders = make_folders(settings)
    database = prepare_database(settings)
    click.echo(f"configuration: {choice.path.resolve()} "
               + ("(new: the shipped default; edit it for your force)" if created else "(kept)"))
    click.echo(f"database ready: {database}")
    click.echo("folders ready: " + ", ".join(_shown(f, settings.base_dir) for f in folders)
               + f" (inbox/: {', '.join(INBOX_KINDS)})")
    elsewhere = os.environ.get(CONFIG_ENV)
    if folder and elsewhere and Path(elsewhere).resolve() != choice.path.resolve():
        click.echo(f"note: {CONFIG_ENV} is set ({elsewhere}): commands will read that file, "
                   f"not {choice.path}", err=True)


def _shown(path: Path, base: Path) -> str:
    return f"{path.relative_to(base)}/" if path.is_relative_to(base) else f"{path}/"


def register(cli: click.Group) -> None:
    cli.add_command(init)
