"""A truncated or corrupt gzip input keeps every record decoded before the damage, plus one ``parse`` violation."""

from __future__ import annotations

import gzip
import io
import json
import random
import zlib

import pytest

from rfsrules import check, load_ruleset_text
from rfsrules.checks.builtin import builtin_registry
from rfsrules.io.lines import LineBlocks, chunk_reader

RULES = """\
rfsrules: 1
name: gz
version: 1.0.0
fields:
  id: {type: integer, required: true, unique: true}
  v: {type: number, min: 0}
"""
EOF_MESSAGE = "unreadable input: EOFError: Compressed file ended before the end-of-stream marker was reached"


def _engines() -> list[str]:
    try:
        import duckdb  # noqa: F401
    except ImportError:
        return ["python"]
    return ["python", "duckdb"]


def run(path, engine: str = "python", **kw):
    ruleset = load_ruleset_text(RULES, registry=builtin_registry(), env={})
    return check(str(path), ruleset, engine=engine, measure_resources=False, max_examples=None,
                 ref_time="2026-01-15T12:00:00Z", **kw)


def summary(report) -> tuple[int, int, int]:
    s = report.summary
    return s.records_total, s.records_checked, s.records_malformed


def parse_examples(report) -> list[tuple[int | None, str, str]]:
    rule = next(r for r in report.rules if r.id == "parse")
    return [(e.line, e.reason, e.message) for e in rule.examples]


def failing_rules(report) -> list[tuple[str, int]]:
    return [(r.id, r.violations) for r in report.rules if r.violations and r.id != "parse"]


def truncated_gzip(readable: bytes, rest: bytes) -> bytes:
    """A gzip stream that decodes to exactly ``readable`` and then ends (``rest`` was cut off)."""
    packer = zlib.compressobj(6, zlib.DEFLATED, 31)
    head = packer.compress(readable) + packer.flush(zlib.Z_FULL_FLUSH)
    whole = head + packer.compress(rest) + packer.flush()
    assert zlib.decompressobj(wbits=31).decompress(head) == readable and len(whole) > len(head)
    return head


def lines(first: int, last: int) -> bytes:
    return b"".join(b'{"id": %d, "v": %d}\n' % (i, i % 7) for i in range(first, last + 1))


# --- JSON Lines -----------------------------------------------------------------------------------

@pytest.mark.parametrize("engine", _engines())
def test_cut_inside_a_line_drops_that_line_and_reports_it(tmp_path, engine):
    # the cut leaves '{"id": 1}' of line 301: as a record it would be a duplicate of line 1
    path = tmp_path / "b.jsonl.gz"
    path.write_bytes(truncated_gzip(lines(1, 300) + b'{"id": 1}', b', "v": -5}\n' + lines(302, 400)))
    report = run(path, engine)
    assert summary(report) == (301, 300, 1)
    assert parse_examples(report) == [(301, "invalid_encoding", EOF_MESSAGE)]
    assert failing_rules(report) == []


@pytest.mark.parametrize("engine", _engines())
def test_cut_at_a_line_end_reports_the_next_line(tmp_path, engine):
    path = tmp_path / "b.ndjson.gz"
    path.write_bytes(truncated_gzip(lines(1, 250) + b'{"id": 3, "v": -1}\n\n', lines(252, 300)))
    report = run(path, engine)
    assert summary(report) == (252, 251, 1)
    assert parse_examples(report) == [(253, "invalid_encoding", EOF_MESSAGE)]  # line 252 is blank
    assert failing_rules(report) == [("id.unique", 1), ("v.range", 1)]


@pytest.mark.parametrize("engine", _engines())
def test_cut_before_the_first_line_end(tmp_path, engine):
    path = tmp_path / "b.jsonl.gz"
    path.write_bytes(truncated_gzip(b'{"id": 1, "v"', b": 2}\n"))
    assert summary(run(path, engine)) == (1, 0, 1)
    assert parse_examples(run(path, engine)) == [(1, "invalid_encoding", EOF_MESSAGE)]


@pytest.mark.parametrize("engine", _engines())
def test_bad_checksum_keeps_every_record(tmp_path, engine):
    packed = bytearray(gzip.compress(lines(1, 500)))
    packed[-8] ^= 0xFF  # the CRC-32 of the trailer
    path = tmp_path / "b.jsonl.gz"
    path.write_bytes(bytes(packed))
    report = run(path, engine)
    assert summary(report) == (501, 500, 1)
    [(line, reason, message)] = parse_examples(report)
    assert (line, reason) == (501, "invalid_encoding")
    assert message.startswith("unreadable input: BadGzipFile: CRC check failed")


def test_engines_and_jobs_agree_on_a_randomly_cut_file(tmp_path, monkeypatch):
    from rfsrules.engines import parallel

    monkeypatch.setattr(parallel, "MIN_TASK_BYTES", 1)
    rng = random.Random(5)
    data = "".join(json.dumps({"id": rng.randrange(4000), "v": rng.random() - 0.1}) + "\n"
                   for _ in range(20000)).encode()
    packed = gzip.compress(data)
    path = tmp_path / "b.jsonl.gz"
    path.write_bytes(packed[: len(packed) * 2 // 3])
    complete = zlib.decompressobj(wbits=31).decompress(packed[: len(packed) * 2 // 3]).count(b"\n")
    reports = [run(path, "python"), run(path, "python", jobs=2)]
    if "duckdb" in _engines():
        reports.append(run(path, "duckdb"))
    expected = reports[0].to_dict()
    for report in reports:
        assert summary(report) == (complete + 1, complete, 1)
        assert parse_examples(report) == [(complete + 1, "invalid_encoding", EOF_MESSAGE)]
        got = report.to_dict()
        for data_ in (got, expected):
            for key in ("duration_seconds", "engine", "engine_reason"):
                data_["summary"].pop(key, None)
        assert got == expected


# --- JSON arrays and CSV ----------------------------------------------------------------------------

@pytest.mark.parametrize("engine", _engines())
def test_json_array_keeps_the_elements_before_the_cut(tmp_path, engine):
    elements = ", ".join(json.dumps({"id": i, "v": 1}) for i in range(1, 2001)).encode()
    path = tmp_path / "b.json.gz"
    path.write_bytes(truncated_gzip(b"[" + elements + b', {"id": 1', b', "v": 2}]'))
    report = run(path, engine)
    assert summary(report) == (2001, 2000, 1)
    assert parse_examples(report) == [(2001, "invalid_encoding", EOF_MESSAGE)]
    assert failing_rules(report) == []


@pytest.mark.parametrize("engine", _engines())
def test_csv_keeps_the_rows_before_the_cut(tmp_path, engine):
    rows = b"".join(b"%d,%d\n" % (i, i % 5) for i in range(1, 3001))
    path = tmp_path / "b.csv.gz"
    path.write_bytes(truncated_gzip(b"id,v\n" + rows + b"1,", b"-4\n"))
    report = run(path, engine)
    assert summary(report) == (3001, 3000, 1)
    assert parse_examples(report) == [(3002, "invalid_encoding", EOF_MESSAGE)]  # header is line 1
    assert failing_rules(report) == []


# --- the reader ---------------------------------------------------------------------------------------

def test_chunk_reader_returns_what_was_decoded_then_raises():
    packed = truncated_gzip(b"x" * 100_000, b"y" * 1000)
    read = chunk_reader(gzip.GzipFile(fileobj=io.BytesIO(packed)))
    assert read(60_000) == b"x" * 60_000
    assert read(60_000) == b"x" * 40_000
    with pytest.raises(EOFError):
        read(60_000)
    with pytest.raises(EOFError):
        read(60_000)
    plain = io.BytesIO(b"abc")
    assert chunk_reader(plain) == plain.read


def test_line_blocks_yield_complete_lines_then_raise():
    packed = truncated_gzip(b"a\nbb\nccc", b"c\n")
    blocks = iter(LineBlocks(gzip.GzipFile(fileobj=io.BytesIO(packed)), max_line_bytes=100, chunk_size=4))
    seen = []
    with pytest.raises(EOFError):
        for block in blocks:
            seen += block
    assert seen == [b"a", b"bb"]
