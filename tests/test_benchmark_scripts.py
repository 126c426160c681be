"""The benchmark's hand-written contenders count exactly what the generator injected (run_check relies on it)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("bench") / "events-4k.jsonl"
    subprocess.run([sys.executable, str(BENCH / "generate.py"), "--rows", "4000", "--bad", "0.3", "--seed", "7",
                    "--out", str(out)], check=True, capture_output=True)
    expected = json.loads(out.with_name("events-4k.expected.json").read_text())
    return out, expected


@pytest.mark.parametrize("script", ["naive_loop.py", "fast_loop.py"])
def test_hand_written_loops_count_every_rule_exactly(generated, script):
    data, expected = generated
    done = subprocess.run([sys.executable, str(BENCH / script), str(data), expected["ref_time"]], check=True,
                          capture_output=True, text=True, cwd=BENCH)
    got = json.loads(done.stdout)
    assert got["records_checked"] == expected["records_checked"]
    assert {rule: got["violations"].get(rule, 0) for rule in expected["violations"]} == expected["violations"]
    assert expected["violations"]["id.unique"] > 0 and expected["violations"]["timestamp.required"] > 0
