"""The JSON schemas of everything the command line writes, shipped with the package.

``samverify schema NAME`` prints one; tests validate every JSON the CLI writes against it.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from derivations._validate import fail

__all__ = ["SCHEMA_NAMES", "load_schema", "schema_text"]

#: schema name -> file in verify/schemas/
SCHEMA_NAMES: dict[str, str] = {
    "report": "report.schema.json",
    "bench": "bench.schema.json",
    "calibrate": "calibrate.schema.json",
    "derivation": "derivation.schema.json",
}


def schema_text(name: str) -> str:
    """The schema ``name`` as JSON text."""
    if name not in SCHEMA_NAMES:
        raise fail("name", name, f"one of {', '.join(SCHEMA_NAMES)}")
    return resources.files("verify").joinpath("schemas", SCHEMA_NAMES[name]).read_text(encoding="utf-8")


def load_schema(name: str) -> dict[str, Any]:
    """The schema ``name`` as a dict (for ``jsonschema.validate``)."""
    return json.loads(schema_text(name))
