"""The `dtoa` command: parse arguments, call the library, print. Nothing else lives here."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import click

from dtoa import log
from dtoa.cli import (
    attendance,
    custody,
    db,
    evidence,
    failures,
    law,
    notify,
    privacy,
    referrals,
    reports,
    requirements,
    tokens,
    web,
    workspace,
)
from dtoa.cli.common import (
    Invocation,
    pass_runtime,  # noqa: F401  (re-exported for command modules)
)
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
            runtime = getattr(ctx.obj, "runtime", None)
            tz = runtime.settings.tz if runtime is not None else ZoneInfo("Europe/London")
            raise failures.as_click_error(exc, tz) from None


@click.group(cls=_Commands)
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help="Configuration file (default: $DTOA_CONFIG, else config.toml in the current "
                   "folder; `dtoa init` makes one).")
@click.option("--verbose", is_flag=True,
              help="Show the JSON log lines on stderr too (they always go to the log file).")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, verbose: bool) -> None:
    """Drug testing on arrest: detentions, tests, referrals, attendance and reports."""
    log.configure(stream=None if verbose else log.NOWHERE)
    ctx.obj = Invocation(config_path, verbose)


for module in (workspace, custody, requirements, law, db, referrals, attendance, reports,
               evidence, web, privacy, tokens, notify):
    module.register(cli)


def main() -> None:
    cli(prog_name="dtoa")
