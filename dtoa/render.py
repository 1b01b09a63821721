"""The one renderer: Jinja2 templates (autoescaped, always) to HTML, and HTML to PDF with
WeasyPrint. Letters and reports share it."""

from __future__ import annotations

import os
import tempfile
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@lru_cache(maxsize=1)
def environment() -> Environment:
    """Autoescape is on for every template whatever its name: names, addresses and grounds
    come from custody records and must print as text, never as markup. A missing value is an
    error, not a blank on a legal notice."""
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True,
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def render_html(template: str, context: dict) -> str:
    return environment().get_template(template).render(**context)


def html_to_pdf(html: str) -> bytes:
    """A PDF of the HTML (WeasyPrint; images and styles only from the templates folder)."""
    from weasyprint import HTML

    return HTML(string=html, base_url=str(TEMPLATES)).write_pdf()


def write_atomically(path: Path, data: bytes) -> None:
    """Write a file whole or not at all: a crash never leaves half a letter in the outbox."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
