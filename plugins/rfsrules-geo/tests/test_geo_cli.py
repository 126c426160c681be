"""rfsrules-geo through the real command line: CSV data with separate latitude/longitude columns."""

from __future__ import annotations

import json
import os
import subprocess
import sys

RULESET = """\
rfsrules: 1
name: stores
version: 1.0.0
record_id: store_id
fields:
  store_id: {type: string, required: true}
  lat: {type: number}
  lon: {type: number}
rules:
  - id: store-location
    check: geo.coordinates
    latitude: lat
    longitude: lon
    bbox: [5.87, 47.27, 15.04, 55.06]
    severity: high
  - id: store-country
    check: geo.country_code
    field: country
"""

CSV = """\
store_id,lat,lon,country
berlin,52.52,13.405,DE
paris,48.8566,2.3522,FR
nowhere,0,0,DE
broken,52.5,,DE
typo,50.1,8.68,GER
"""


def rfsrules(*args: str, cwd) -> subprocess.CompletedProcess:
    env = {**os.environ, "RFSRULES_DISABLE_PLUGINS": "", "RFSRULES_NO_PLUGINS": ""}
    return subprocess.run([sys.executable, "-m", "rfsrules", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def test_check_csv_with_geo_rules(tmp_path):
    (tmp_path / "stores.yaml").write_text(RULESET)
    (tmp_path / "stores.csv").write_text(CSV)
    run = rfsrules("check", "stores.csv", "-r", "stores.yaml", "--format", "json", cwd=tmp_path)
    assert run.returncode == 1, run.stderr
    rules = {r["id"]: r for r in json.loads(run.stdout)["rules"]}
    location = rules["store-location"]
    assert [(e["line"], e["record_id"], e["reason"]) for e in location["examples"]] == [
        (3, "paris", "outside_bbox"), (4, "nowhere", "null_island"), (5, "broken", "incomplete_coordinates")]
    country = rules["store-country"]
    assert [(e["line"], e["value"], e["reason"]) for e in country["examples"]] == [(6, "GER", "unknown_country_code")]


def test_plugins_command_lists_the_geo_checks(tmp_path):
    run = rfsrules("plugins", "--format", "json", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    geo = {p["name"]: p for p in json.loads(run.stdout)["plugins"]}["geo"]
    assert (geo["distribution"], geo["version"]) == ("rfsrules-geo", "0.1.0")
    assert geo["registers"]["checks"] == ["geo.coordinate_pair", "geo.coordinates", "geo.country_code",
                                          "geo.latitude", "geo.longitude", "geo.point_in_bbox"]
