# Two entry points for a fresh machine: `make demo` and `make test` (see README).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml plugins/*/pyproject.toml 2>/dev/null | cksum | cut -d' ' -f1)
REF_TIME := 2026-01-15T12:00:00Z

.PHONY: demo test venv clean bench

$(STAMP):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test,duckdb]'
	for p in plugins/*/; do if [ -f $$p/pyproject.toml ]; then $(PY) -m pip install -q -e $$p || exit 1; fi; done
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

venv: $(STAMP)

demo: venv
	@echo "== clean batch =="
	$(VENV)/bin/rfsrules check examples/events-clean.jsonl -r rulesets/pipeline-events.yaml --metadata examples/events-clean.meta.json --ref-time $(REF_TIME)
	@echo
	@echo "== batch with ~10% problems (exit code 1 is the gate failing, as it should) =="
	@$(VENV)/bin/rfsrules check examples/events-problems.jsonl -r rulesets/pipeline-events.yaml --metadata examples/events-problems.meta.json --ref-time $(REF_TIME) --max-examples 3; \
	  echo "rfsrules check exited with $$?"

test: venv
	$(PY) -m pytest -q -p no:cacheprovider

bench: venv
	$(PY) -m pip install -q -e '.[bench]'
	$(PY) benchmarks/run_check.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
