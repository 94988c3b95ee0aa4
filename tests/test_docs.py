"""The project stands alone: the catalogue reference is generated from the registry and current."""

from __future__ import annotations

import subprocess
from pathlib import Path

from verify._docs import catalogue_markdown

ROOT = Path(__file__).resolve().parents[1]


def test_the_committed_catalogue_reference_is_current():
    committed = (ROOT / "docs" / "catalogue.md").read_text()
    assert committed == catalogue_markdown(), "docs/catalogue.md is stale: run `samverify docs`"


def test_nothing_shipped_or_documented_refers_to_files_outside_the_repository():
    hits = subprocess.run(["grep", "-rnI", "-e", "shared/", "-e", "CLAIMS.md", "-e", "quoted in the seed", "-e", "the seed's",
                           "-e", "seed paper", "-e", "seed summar", "README.md", "docs",
                           "derivations", "verify", "samverify", "examples"], cwd=ROOT, capture_output=True, text=True)
    assert hits.stdout == "", hits.stdout
