"""Page images of a care and support plan's three signed editions, for looking at (not tests).

    .venv/bin/python docs/screenshots/take_plan_pdfs.py

Finalises the three-need plan of tests/core/test_plan_renditions.py in a throwaway vault of an
invented assessor, as the app does, and writes each kept edition's pages with poppler's
pdftoppm at 60 dpi to docs/screenshots/pdf/pages/care_support_plan-<variant>-<page>.png:
every page of easy read, and the first and last two of standard and large print. Synthetic
people only.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from assessor_app.core.records import Role  # noqa: E402
from assessor_app.core.services.documents import finalise_record  # noqa: E402
from assessor_app.core.storage.documents import DocumentRepository  # noqa: E402
from assessor_app.core.storage.keyslots import FAST_KDF_FOR_TESTS  # noqa: E402
from assessor_app.core.storage.vault import Vault  # noqa: E402
from tests.core.test_plan_renditions import REGISTRY, TODAY, three_need_plan  # noqa: E402
from tests.support import session_for  # noqa: E402

OUT = ROOT / "docs" / "screenshots" / "pdf" / "pages"


def _write_pages(data: bytes, name: str, editions_all: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "doc.pdf"
        path.write_bytes(data)
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
        count = int(next(x for x in info.stdout.splitlines() if x.startswith("Pages:")).split()[1])
        wanted = range(1, count + 1) if editions_all else sorted({1, count - 1, count})
        for page in wanted:
            subprocess.run(
                ["pdftoppm", "-png", "-r", "60", "-f", str(page), "-l", str(page)]
                + ["-singlefile", str(path), str(OUT / f"{name}-{page}")],
                check=True,
            )


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        vault = Vault.create(
            Path(tmp),
            name="Robin Testcase",
            role=Role.SOCIAL_WORKER,
            authority="Exampleshire County Council",
            passphrase="amber lantern orchard",
            kdf=FAST_KDF_FOR_TESTS,
        )
        try:
            session = session_for(vault, REGISTRY, today=TODAY)
            plan = three_need_plan(session)
            finalise_record(session, plan)
            repo = DocumentRepository(vault)
            for doc in repo.list_for_assessment(plan):
                name = f"care_support_plan-{doc.variant}"
                _write_pages(repo.data(doc.id), name, doc.variant == "easy_read")
        finally:
            vault.close()
    print(f"written to {OUT}")


if __name__ == "__main__":
    main()
