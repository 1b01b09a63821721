"""The one renderer: many PDFs at once come back in order, each of its own document."""

from io import BytesIO

from pypdf import PdfReader

from dtoa.render import PARALLEL_FROM, html_to_pdfs


def text_of(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)


def test_a_large_batch_renders_in_parallel_and_keeps_each_document_in_its_place():
    documents = [f"<p>Letter number {i:03d}</p>" for i in range(PARALLEL_FROM + 6)]
    pdfs = html_to_pdfs(documents)
    assert [text_of(pdf).strip() for pdf in pdfs] == [
        f"Letter number {i:03d}" for i in range(PARALLEL_FROM + 6)]


def test_a_small_batch_renders_here():
    assert text_of(html_to_pdfs(["<p>One &amp; only</p>"])[0]).strip() == "One & only"
