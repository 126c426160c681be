"""Baseline: read a JSON Lines file in binary mode and parse every line with orjson, nothing else."""

from __future__ import annotations

import sys

import orjson


def main(path: str) -> None:
    loads = orjson.loads
    records = bad = 0
    with open(path, "rb") as fh:
        for line in fh:
            try:
                loads(line)
                records += 1
            except orjson.JSONDecodeError:
                bad += 1
    print(f'{{"records": {records}, "malformed": {bad}}}')


if __name__ == "__main__":
    main(sys.argv[1])
