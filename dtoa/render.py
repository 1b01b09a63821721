"""The one renderer: Jinja2 templates (autoescaped, always) to HTML, and HTML to PDF with
WeasyPrint. Letters and reports share it."""

from __future__ import annotations

import multiprocessing
import os
import tempfile
from concurrent.futures import ProcessPoolExecutor
from functools import lru_cache
from importlib import resources
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

# The templates ship inside the package (dtoa/shipped/templates; in a checkout, a link to the
# top-level templates/): a real folder wherever pip installed dtoa, never the current one.
TEMPLATES = Path(str(resources.files("dtoa") / "shipped" / "templates"))


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


# Below this many documents, starting worker processes costs more than it saves.
PARALLEL_FROM = 24


def html_to_pdfs(documents: list[str]) -> list[bytes]:
    """PDFs of many HTML documents, in order. WeasyPrint is CPU-bound (about 60 ms a letter),
    so a large batch (a night's letters at national scale) is shared among worker processes,
    one per core; a small one renders here."""
    workers = os.cpu_count() or 1
    if len(documents) < PARALLEL_FROM or workers < 2:
        return [html_to_pdf(html) for html in documents]
    context = multiprocessing.get_context("spawn")  # no forked database connections
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        return list(pool.map(html_to_pdf, documents, chunksize=8))


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
