"""Baselines with DuckDB: reading the file only, and hand-written SQL computing every rule's violation count.

``read`` parses every line as JSON and counts the objects (``read_json_objects``), the DuckDB analogue
of the orjson parse-only loop. ``check`` is what one would write by hand for
``rulesets/pipeline-events.yaml``: raw lines (so malformed lines and JSON types stay visible), one
JSON parse per line, one aggregate per rule. It prints ``{"records_total": ..., "violations": {...}}``
for ``run_check.py`` to compare with the generator's expectations.

Usage::

    python benchmarks/duckdb_sql.py read benchmarks/data/events-1m.jsonl
    python benchmarks/duckdb_sql.py check benchmarks/data/events-1m.jsonl 2026-01-15T12:00:00Z
"""

from __future__ import annotations

import json
import sys

import duckdb

RAW_LINES = ("read_csv({path}, columns={{'raw': 'VARCHAR'}}, delim='\\x01', quote='', escape='', header=false, "
             "auto_detect=false, new_line='\\n', strict_mode=false)")

CHECK_SQL = """
WITH lines AS (
    SELECT raw FROM {lines} WHERE trim(raw) <> ''
), parsed AS (
    SELECT CASE WHEN json_valid(raw) AND json_type(raw) = 'OBJECT' THEN raw::JSON END AS j FROM lines
), f AS (
    SELECT json_type(j, '$.id') AS id_t, j ->> '$.id' AS id,
           json_type(j, '$.timestamp') AS ts_t, j ->> '$.timestamp' AS ts,
           json_type(j, '$.data') AS data_t,
           json_type(j, '$.data.value') AS v_t, j ->> '$.data.value' AS v,
           json_type(j, '$.data.status') AS st_t, j ->> '$.data.status' AS st,
           json_type(j, '$.user_id') AS u_t, j ->> '$.user_id' AS u,
           json_type(j, '$.session_id') AS s_t
    FROM parsed WHERE j IS NOT NULL
), g AS (
    SELECT *,
           coalesce(id_t, 'NULL') <> 'NULL' AS id_present,
           coalesce(ts_t, 'NULL') <> 'NULL' AS ts_present,
           CASE WHEN ts_t = 'VARCHAR' AND length(ts) > 10 THEN try_cast(ts AS TIMESTAMP) END AS ts_at,
           coalesce(v_t, 'NULL') <> 'NULL' AS v_present,
           v_t IN ('BIGINT', 'UBIGINT', 'DOUBLE') AS v_number
    FROM f
)
SELECT
    (SELECT count(*) FROM parsed) AS records_total,
    (SELECT count(*) FROM parsed WHERE j IS NULL) AS parse,
    count(*) FILTER (WHERE id_present AND id_t <> 'VARCHAR') AS "id.type",
    count(*) FILTER (WHERE NOT id_present) AS "id.required",
    count(id) FILTER (WHERE id_t = 'VARCHAR') - count(DISTINCT id) FILTER (WHERE id_t = 'VARCHAR') AS "id.unique",
    count(*) FILTER (WHERE id_present AND (id_t <> 'VARCHAR'
                                           OR NOT regexp_matches(id, '^[a-z_]+_\\d+_\\d+$'))) AS "id.pattern",
    count(*) FILTER (WHERE ts_present AND ts_at IS NULL) AS "timestamp.type",
    count(*) FILTER (WHERE NOT ts_present) AS "timestamp.required",
    count(*) FILTER (WHERE ts_present AND (ts_at IS NULL OR ts_at < TIMESTAMP '{oldest}')) AS "timestamp.max_age",
    count(*) FILTER (WHERE coalesce(data_t, 'NULL') <> 'NULL' AND data_t <> 'OBJECT') AS "data.type",
    count(*) FILTER (WHERE coalesce(data_t, 'NULL') = 'NULL') AS "data.required",
    count(*) FILTER (WHERE v_present AND v_t NOT IN ('BIGINT', 'UBIGINT')) AS "data.value.type",
    count(*) FILTER (WHERE NOT v_present) AS "data.value.required",
    count(*) FILTER (WHERE v_present AND (NOT v_number OR NOT (v::DOUBLE BETWEEN 1 AND 1000))) AS "data.value.range",
    count(*) FILTER (WHERE coalesce(st_t, 'NULL') <> 'NULL' AND st_t <> 'VARCHAR') AS "data.status.type",
    count(*) FILTER (WHERE coalesce(st_t, 'NULL') <> 'NULL'
                     AND (st_t <> 'VARCHAR' OR st NOT IN ('active', 'inactive'))) AS "data.status.in",
    count(*) FILTER (WHERE coalesce(u_t, 'NULL') <> 'NULL' AND u_t <> 'VARCHAR') AS "user_id.type",
    count(*) FILTER (WHERE coalesce(u_t, 'NULL') <> 'NULL'
                     AND (u_t <> 'VARCHAR' OR NOT regexp_matches(u, '^user_\\d+$'))) AS "user_id.pattern",
    count(*) FILTER (WHERE coalesce(s_t, 'NULL') <> 'NULL' AND s_t <> 'VARCHAR') AS "session_id.type",
    CASE WHEN count(*) < 1 THEN 1 ELSE 0 END AS "batch-not-empty",
    CASE WHEN avg(v::DOUBLE) FILTER (WHERE v_number) NOT BETWEEN 100 AND 900 THEN 1 ELSE 0 END
        AS "value-mean-plausible",
    CASE WHEN count(*) > 0 AND count(*) FILTER (WHERE coalesce(u_t, 'NULL') = 'NULL') > 0.05 * count(*)
         THEN 1 ELSE 0 END AS "user-id-mostly-present"
FROM g
"""


def _path(path: str) -> str:
    return "'" + path.replace("'", "''") + "'"


def read(path: str) -> dict:
    con = duckdb.connect()
    total = con.execute(f"SELECT count(json) FROM read_json_objects({_path(path)}, format='newline_delimited', "
                        "ignore_errors=true)").fetchone()[0]
    return {"records": total}


def check(path: str, ref_time: str) -> dict:
    from datetime import datetime, timedelta, timezone

    ref = datetime.fromisoformat(ref_time.replace("Z", "+00:00")).astimezone(timezone.utc)
    oldest = (ref - timedelta(hours=1)).replace(tzinfo=None).isoformat(sep=" ")
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    cursor = con.execute(CHECK_SQL.format(lines=RAW_LINES.format(path=_path(path)), oldest=oldest))
    names = [d[0] for d in cursor.description]
    row = dict(zip(names, cursor.fetchone()))
    total = row.pop("records_total")
    return {"records_total": total, "records_malformed": row["parse"],
            "violations": {k: int(v) for k, v in row.items()}}


if __name__ == "__main__":
    mode, data = sys.argv[1], sys.argv[2]
    out = read(data) if mode == "read" else check(data, sys.argv[3] if len(sys.argv) > 3 else "2026-01-15T12:00:00Z")
    print(json.dumps(out))
