"""The one CSV writer for every CSV the project writes (rejects, exports, letter manifests,
report CSVs): files that staff open in a spreadsheet.

A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` (and, in some, a tab or a
carriage return) as a formula, so a custody reference or a rejected value such as
`=HYPERLINK(...)` or `+cmd|' /C calc'!A0` would be executed on opening. As OWASP's
CSV-injection guidance describes, such a text cell is written with a single quote in front
(`'=HYPERLINK(...)`), which the spreadsheet shows as text. Numbers are left alone: a value
passed as a number, or text that is only a plain number such as `-12.5`, stays a number.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any, TextIO

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def neutralised(cell: Any) -> Any:
    """The cell as a spreadsheet may open it safely (see the module docstring)."""
    if isinstance(cell, str) and cell.startswith(FORMULA_START) \
            and not PLAIN_NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


class SafeWriter:
    """csv.writer's interface, every text cell neutralised."""

    def __init__(self, handle: TextIO, **options: Any) -> None:
        self._writer = csv.writer(handle, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([neutralised(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(handle: TextIO, **options: Any) -> SafeWriter:
    """Like csv.writer(handle, **options), for files people open in a spreadsheet."""
    return SafeWriter(handle, **options)
