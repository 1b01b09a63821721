"""The `dtoa` command: parse arguments, call the library, print. Nothing else lives here."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import click

from dtoa import log
from dtoa.cli import attendance, custody, db, failures, law, referrals, reports, web
from dtoa.cli.common import pass_runtime  # noqa: F401  (re-exported for command modules)
from dtoa.config import ConfigError
from dtoa.runtime import open_runtime
from dtoa.store import SchemaNotCurrent


class _Commands(click.Group):
    """Known failures that any command can meet end in one line, never a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except SchemaNotCurrent as exc:
            error = click.ClickException(str(exc))
            error.exit_code = 3
            raise error from None
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as exc:  # noqa: BLE001  (one line, never a traceback: dtoa.cli.failures)
            runtime = ctx.obj
            tz = runtime.settings.tz if runtime is not None else ZoneInfo("Europe/London")
            raise failures.as_click_error(exc, tz) from None


@click.group(cls=_Commands)
@click.option("--config", "config_path", type=click.Path(dir_okay=False), envvar="DTOA_CONFIG",
              help="Configuration file (default: config.toml beside the code; env DTOA_CONFIG).")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None) -> None:
    """Drug testing on arrest: detentions, tests, referrals, attendance and reports."""
    log.configure()
    try:
        ctx.obj = open_runtime(config_path)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


for module in (custody, law, db, referrals, attendance, reports, web):
    module.register(cli)


def main() -> None:
    cli(prog_name="dtoa")
