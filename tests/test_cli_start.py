"""`dtoa --help` lists every command without importing any of them (issue 13: fast start).
The start time itself is measured in bench/, never here."""

from __future__ import annotations

import subprocess
import sys

import click
from click.testing import CliRunner

from dtoa.cli import cli, commands
from dtoa.cli.catalogue import SHORT_HELP


def test_the_catalogue_lists_every_command_with_its_own_help():
    loaded = {name: command.get_short_help_str(10**6) for name, command in commands().items()}
    assert loaded == SHORT_HELP


def test_help_lists_the_commands_exactly_as_click_would_from_the_commands_themselves():
    ctx = click.Context(cli, info_name="dtoa")
    fast = cli.get_help(ctx)
    commands()
    formatter = ctx.make_formatter()
    click.Group.format_commands(cli, ctx, formatter)
    assert formatter.getvalue().rstrip() and formatter.getvalue().rstrip() in fast


def test_help_imports_neither_the_database_layer_nor_the_rules():
    probe = ("import sys; from dtoa.cli import main\n"
             "try:\n    main()\nexcept SystemExit:\n    pass\n"
             "heavy = [m for m in ('sqlalchemy', 'sqlmodel', 'argon2', 'dtoa.rules', 'dtoa.store')"
             " if m in sys.modules]\n"
             "print('HEAVY', heavy, file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", probe, "--help"], capture_output=True,
                          text=True, check=True)
    assert "Commands:" in done.stdout and "require-assessment" in done.stdout
    assert "HEAVY []" in done.stderr


def test_a_command_is_loaded_when_it_is_asked_for():
    done = CliRunner().invoke(cli, ["law", "--help"], prog_name="dtoa")
    assert done.exit_code == 0
    assert "Usage: dtoa law [OPTIONS]" in done.output and "--on" in done.output
