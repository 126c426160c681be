"""Readers: bounded line splitting, exact JSON line decoding, streamed JSON arrays, typed CSV, source resolution."""

from __future__ import annotations

import io
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rfsrules.errors import InputError
from rfsrules.io.csvfile import convert_cell, iter_csv
from rfsrules.io.jsonarray import iter_json_array
from rfsrules.io.lines import BLANK, TOO_LONG, LineBlocks, Malformed, decode_json_line
from rfsrules.io.sources import as_source_items, detect_format, resolve_sources


def _lines(data: bytes, max_line_bytes: int = 1 << 20, chunk_size: int = 1 << 20) -> list[bytes]:
    blocks = LineBlocks(io.BytesIO(data), max_line_bytes=max_line_bytes, chunk_size=chunk_size)
    return [line for block in blocks for line in block]


# --- LineBlocks --------------------------------------------------------------------------------------

def test_lines_split_on_newlines_and_keep_a_last_line_without_newline():
    assert _lines(b'{"a":1}\n\n{"b":2}\r\nlast') == [b'{"a":1}', b"", b'{"b":2}\r', b"last"]


def test_a_trailing_newline_does_not_make_an_extra_line():
    assert _lines(b"a\nb\n") == [b"a", b"b"]
    assert _lines(b"") == []


def test_utf8_bom_at_the_start_is_dropped():
    assert _lines(b'\xef\xbb\xbf{"a":1}\n{"b":2}\n') == [b'{"a":1}', b'{"b":2}']


@settings(max_examples=60, deadline=None)
@given(lines=st.lists(st.binary(max_size=30).map(lambda b: b.replace(b"\n", b"")), max_size=20),
       chunk_size=st.integers(1, 40))
def test_any_chunk_size_yields_the_same_lines(lines, chunk_size):
    data = b"\n".join(lines) + b"\n" if lines else b""
    if data.startswith(b"\xef\xbb\xbf"):
        return
    assert _lines(data, chunk_size=chunk_size) == lines


@settings(max_examples=60, deadline=None)
@given(lengths=st.lists(st.integers(0, 60), min_size=1, max_size=15), chunk_size=st.integers(1, 25))
def test_over_long_lines_become_markers_and_numbering_is_kept(lengths, chunk_size):
    limit = 20
    lines = [bytes([ord("a") + i % 26]) * n for i, n in enumerate(lengths)]
    data = b"\n".join(lines) + b"\n"
    got = _lines(data, max_line_bytes=limit, chunk_size=chunk_size)
    assert got == [TOO_LONG if len(x) > limit else x for x in lines]


def test_an_over_long_line_is_never_held_whole():
    class CountingStream(io.BytesIO):
        biggest = 0

    data = b'{"a":1}\n' + b"x" * 5_000_000 + b'\n{"b":2}\n'
    blocks = LineBlocks(io.BytesIO(data), max_line_bytes=1000, chunk_size=4096)
    seen = []
    for block in blocks:
        assert sum(len(x) for x in block) <= 4096 + 1000
        seen += block
    assert seen == [b'{"a":1}', TOO_LONG, b'{"b":2}']
    assert blocks.bytes_read == len(data)


def test_progress_reports_positions():
    calls = []
    blocks = LineBlocks(io.BytesIO(b"a\n" * 10), max_line_bytes=100, chunk_size=4, progress=calls.append)
    list(blocks)
    assert calls[0] == 4 and calls[-1] == 20


# --- decode_json_line ---------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, reason, message", [
    (b'{"a": ', "malformed_json", "invalid JSON: expecting value at column 7"),
    (b'{"a": NaN}', "malformed_json", "invalid JSON: NaN is not allowed in JSON"),
    (b'{"a": 1} x', "malformed_json", "invalid JSON: extra data at column 10"),
    (b'{"a": "\xff"}', "invalid_encoding", "invalid UTF-8 at byte 8"),
])
def test_decode_json_line_reports_why(raw, reason, message):
    got = decode_json_line(raw, 100)
    assert isinstance(got, Malformed)
    assert (got.reason, got.message) == (reason, message)


def test_decode_json_line_keeps_huge_integers_exact():
    assert decode_json_line(b'{"v": 123456789012345678901234567890}', 100) == {"v": 123456789012345678901234567890}


def test_decode_json_line_blank_and_too_long():
    assert decode_json_line(b"  \r", 100) is BLANK
    got = decode_json_line(TOO_LONG, 100)
    assert (got.reason, got.message) == ("line_too_long", "line longer than 100 bytes (max_line_bytes)")


# --- JSON arrays --------------------------------------------------------------------------------------

def _array(text: str | bytes, chunk_size: int = 1 << 20, max_line_bytes: int = 1 << 20):
    data = text.encode() if isinstance(text, str) else text
    return list(iter_json_array(io.BytesIO(data), max_line_bytes=max_line_bytes, chunk_size=chunk_size))


@pytest.mark.parametrize("chunk_size", [1, 2, 3, 7, 1024])
def test_json_array_streams_elements_at_any_chunk_size(chunk_size):
    text = '[\n {"a": 1},\n {"b": [1, 2, {"c": "x,]"}]},\n 5, {"n": 12345678901234567890123}\n]\n'
    assert _array(text, chunk_size=chunk_size) == [
        (1, {"a": 1}), (2, {"b": [1, 2, {"c": "x,]"}]}), (3, 5), (4, {"n": 12345678901234567890123})]


def test_json_array_edge_shapes():
    assert _array("[]") == []
    assert _array("  ") == []
    assert _array('{"a": 1}') == [(1, {"a": 1})]
    only = _array('"text"')
    assert only[0][0] == 1 and only[0][1].reason == "not_an_object"


def test_json_array_stops_at_invalid_json_with_its_position():
    got = _array('[{"a": 1}, {"b": }, {"c": 3}]', chunk_size=5)
    assert got[0] == (1, {"a": 1})
    assert got[1][0] == 2 and got[1][1].reason == "malformed_json"
    assert len(got) == 2


def test_json_array_errors_after_elements():
    got = _array('[{"a": 1} {"b": 2}]')
    assert got[1][0] == 2 and got[1][1].message == "invalid JSON: expected ',' or ']' but found '{'"
    got = _array('[{"a": 1}')
    assert got[1] == (2, Malformed("malformed_json", "invalid JSON: unterminated array"))
    got = _array('[{"a": 1}] x')
    assert got[1][0] == 2 and got[1][1].message == "invalid JSON: extra data after the array"


def test_json_array_element_too_large_and_bad_encoding():
    got = _array('[{"a": "' + "x" * 500 + '"}]', chunk_size=16, max_line_bytes=100)
    assert got == [(1, Malformed("line_too_long", "array element larger than 100 bytes (max_line_bytes)"))]
    got = _array(b'[{"a": 1}, {"b": "\xff"}]')
    assert got[0] == (1, {"a": 1}) and got[1][1].reason == "invalid_encoding"


# --- CSV ---------------------------------------------------------------------------------------------

def _csv(text: bytes, types=None, max_line_bytes: int = 1 << 20):
    return list(iter_csv(io.BytesIO(text), field_types=types or {}, max_line_bytes=max_line_bytes))


def test_csv_cells_are_typed_by_declared_types():
    text = b'id,n,x,ok,tags,note\n1,2.5,7,true,"[1, 2]",hi\n2,abc,,FALSE,[1;x],\n'
    types = {"id": ("integer",), "n": ("number",), "x": ("integer",), "ok": ("boolean",), "tags": ("array",)}
    assert _csv(text, types) == [
        (2, {"id": 1, "n": 2.5, "x": 7, "ok": True, "tags": [1, 2], "note": "hi"}),
        (3, {"id": 2, "n": "abc", "x": None, "ok": False, "tags": "[1;x]", "note": None}),
    ]


def test_csv_rows_report_their_first_physical_line_and_bad_rows():
    text = b'a,b\n1,"multi\nline"\n\n2\n3,4\n5,\xff\n'
    got = _csv(text)
    assert got[0] == (2, {"a": "1", "b": "multi\nline"})
    assert got[1][0] == 5 and got[1][1] == Malformed("malformed_csv", "CSV row has 1 cells, the header has 2", "2")
    assert got[2] == (6, {"a": "3", "b": "4"})
    assert got[3][0] == 7 and got[3][1].reason == "invalid_encoding"
    assert len(got) == 4


def test_csv_over_long_line():
    got = _csv(b"a\n" + b"x" * 300 + b"\nok\n", max_line_bytes=100)
    assert got[0][0] == 2 and got[0][1].reason == "line_too_long"
    assert got[1] == (3, {"a": "ok"})


@pytest.mark.parametrize("cell, types, want", [
    ("12", ("integer",), 12), ("-3", ("number",), -3), ("1e3", ("number",), 1000.0), ("nan", ("number",), "nan"),
    ("12", ("string", "integer"), 12), ("x", ("integer",), "x"), ("", ("string",), None),
    ("True", ("boolean",), True), ('{"a": 1}', ("object",), {"a": 1}), ("[1]", ("object",), "[1]"),
])
def test_convert_cell(cell, types, want):
    assert convert_cell(cell, types) == want


# --- sources -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, want", [
    ("a.jsonl", ("jsonl", False)), ("a.ndjson.gz", ("jsonl", True)), ("a.JSON", ("json", False)),
    ("dir.v2/a.csv.gz", ("csv", True)), ("a.log", ("jsonl", False)),
])
def test_detect_format(name, want):
    assert detect_format(name) == want


def test_as_source_items(tmp_path):
    assert as_source_items("a.jsonl") == ["a.jsonl"]
    assert as_source_items(["a", "b"]) == ["a", "b"]
    records = [{"a": 1}]
    assert as_source_items(records) == [records]
    with pytest.raises(InputError):
        as_source_items({"a": 1})
    with pytest.raises(InputError):
        as_source_items(5)


def test_resolve_sources_reports_unreadable_files(tmp_path):
    with pytest.raises(InputError) as info:
        resolve_sources([str(tmp_path / "x.jsonl")])
    assert str(info.value) == f"cannot read {str(tmp_path / 'x.jsonl')!r}: No such file or directory"
    with pytest.raises(InputError, match="Is a directory"):
        resolve_sources([str(tmp_path)])
    good = tmp_path / "g.csv.gz"
    good.write_bytes(b"")
    (src,) = resolve_sources([good])
    assert (src.name, src.format, src.compressed, src.size) == (os.fspath(good), "csv", True, 0)
    stdin, memory = resolve_sources(["-", [{"a": 1}]])
    assert (stdin.kind, stdin.label, memory.kind, memory.label) == ("stdin", "<stdin>", "records", None)
