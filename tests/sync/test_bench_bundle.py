"""`bench.bundle` still measures what it says: the same records by file and online, all sent.

A small run (the figures are not judged here): it fails when the export, the gateway's import
or the receipt stops acknowledging every revision and PDF, or the online sync does not finish.
"""

from __future__ import annotations

import pytest

from bench import bundle

pytestmark = pytest.mark.slow


def test_a_small_bundle_benchmark_sends_the_same_records_by_file_and_online() -> None:
    result = bundle.run(40, 2, in_process=True)
    assert (result.revisions, result.pdfs) == (40, 2)
    assert result.bundle_bytes > result.pdf_bytes > 0  # the PDFs travel inside the bundle
    assert result.online_bytes > result.pdf_bytes
    assert "by file, all three" in "\n".join(result.lines())
