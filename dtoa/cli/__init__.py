"""The `dtoa` command: parse arguments, call the library, print. Nothing else lives here.

The command modules are imported only when a command is run (or its own help asked for):
`dtoa --help` lists them from `dtoa.cli.catalogue` and starts in a fraction of a second."""

from __future__ import annotations

import importlib

import click

from dtoa.cli.catalogue import SHORT_HELP

# Each module's `register(cli)` adds its commands (and subcommands to groups of another module,
# such as `export`), so they are loaded all together, in this order.
COMMAND_MODULES = ("workspace", "custody", "requirements", "law", "db", "referrals",
                   "attendance", "reports", "evidence", "web", "privacy", "tokens", "notify")


class _Commands(click.Group):
    """Commands loaded on first use; known failures that any command can meet end in one line,
    never a traceback."""

    _loaded = False

    def _load(self) -> None:
        if not self._loaded:
            self._loaded = True
            for name in COMMAND_MODULES:
                importlib.import_module(f"dtoa.cli.{name}").register(self)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(SHORT_HELP) | set(self.commands))

    def get_command(self, ctx: click.Context | None, cmd_name: str) -> click.Command | None:
        self._load()
        return super().get_command(ctx, cmd_name)  # type: ignore[arg-type]

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The listing from the catalogue, worded as click words it, without importing."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = [(name, click.Command(name, help=SHORT_HELP[name]).get_short_help_str(limit))
                for name in names]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> object:
        from dtoa.cli import failures
        from dtoa.store import SchemaNotCurrent

        try:
            return super().invoke(ctx)
        except SchemaNotCurrent as exc:
            error = click.ClickException(str(exc))
            error.exit_code = 3
            raise error from None
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as exc:  # noqa: BLE001  (one line, never a traceback: dtoa.cli.failures)
            from zoneinfo import ZoneInfo

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
    from dtoa import log
    from dtoa.cli.common import Invocation

    log.configure(stream=None if verbose else log.NOWHERE)
    ctx.obj = Invocation(config_path, verbose)


def commands() -> dict[str, click.Command]:
    """Every top-level command, loaded."""
    cli._load()
    return dict(cli.commands)


def main() -> None:
    cli(prog_name="dtoa")
