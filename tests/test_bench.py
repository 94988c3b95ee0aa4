"""A smoke run of the benchmark (quick sizes): the document has the promised shape.  No timing asserts."""

from __future__ import annotations

import io
import json

from rich.console import Console

from verify._bench import SCHEMA, print_benchmarks, run_benchmarks


def test_quick_benchmark_document_has_the_schema_and_required_entries():
    doc = run_benchmarks(quick=True, progress=False)
    doc = json.loads(json.dumps(doc))  # JSON-serialisable
    assert doc["schema"] == SCHEMA == "samverify.bench/1"
    assert isinstance(doc["machine"], dict) and doc["machine"]["numpy"]
    names = {r["name"] for r in doc["results"]}
    for required in ("sim_fraction_of_normal_rate", "sim_speedup_vs_naive_loop", "eta_star_d50_n256_seconds"):
        assert required in names
    for r in doc["results"]:
        assert set(r) >= {"name", "value", "unit", "baseline", "ratio"}
        assert r["value"] > 0
    buf = io.StringIO()
    print_benchmarks(doc, console=Console(file=buf, width=120))
    assert "sim_fraction_of_normal_rate" in buf.getvalue()


def test_bench_json_has_the_four_scale_entries_and_validates(tmp_path):
    """`samverify bench --quick --json` (catalogue entries on one claim): the scale entries are there."""
    import json

    import jsonschema

    from verify._cli import main
    from verify._schemas import load_schema

    out = tmp_path / "bench.json"
    assert main(["bench", "--quick", "--json", str(out)]) == 0
    doc = json.loads(out.read_text())
    jsonschema.validate(doc, load_schema("bench"))
    names = {r["name"] for r in doc["results"]}
    assert {"catalogue_speedup_jobs2", "cache_warm_over_cold", "full_level_seconds",
            "compiled_fraction_of_normal_rate"} <= names
