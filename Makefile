# A thin facade: every target CI or a person needs, and `make help` lists them.
# The virtual environment lives in .venv inside the repo; every target creates it when missing.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SOURCES := $(shell find midi_export -name '*.py')

.DEFAULT_GOAL := help
.PHONY: help install demo test unit lint typecheck bench bench-batch bench-serve tempo-eval debris-eval smoke-install midicsv importers fluidsynth lmms clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# some machines set PYTHONDONTWRITEBYTECODE: compile whenever a module changed, so that the
# command's start-up never compiles (a module without its .pyc costs about 1 ms a run)
$(VENV)/.compiled: $(STAMP) $(SOURCES)
	@$(BIN)/python -m compileall -q midi_export
	@touch $@

install: $(STAMP) $(VENV)/.compiled ## create .venv and install midi-export with its dev tools

demo: install ## convert the bundled record into demo-out/demo-song.mid, then fetch it from a local stand-in (no network, no key)
	@mkdir -p demo-out
	$(BIN)/fetch-mid --from-json fixtures/demo-song.json -o demo-out/ --force --bpm auto
	@echo "demo: wrote $(CURDIR)/demo-out/demo-song.mid"
	$(BIN)/fetch-mid convert fixtures/demo-song.json -o demo-out/producer --force -q --bpm auto --split-drums --split --preview
	@echo "demo: wrote $(CURDIR)/demo-out/producer/ (the kit in pieces, a stem each, and demo-song.png)"
	@echo
	@bash scripts/demo-online.sh $(BIN) demo-out
	@echo "demo: wrote $(CURDIR)/demo-out/online/demo-song.mid (and the raw record beside it)"
	@echo
	@rm -rf demo-out/generate demo-out/serve
	$(BIN)/python scripts/demo-generate.py $(BIN) demo-out/generate
	@echo
	$(BIN)/python scripts/demo-serve.py $(BIN) demo-out/serve

midicsv: ## install Debian's midicsv (an independent reader used by the tests) when possible
	@command -v midicsv >/dev/null 2>&1 || { \
	  (apt-get install -y -qq midicsv >/dev/null 2>&1 || \
	   (apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq midicsv >/dev/null 2>&1)) \
	  && echo "installed midicsv" || echo "midicsv not available: its checks will be skipped"; }

# MuseScore 3 (the importer tests) and FluidSynth, quietly; the tests skip with the reason
# where apt cannot install them. Heavy (Qt) the first time; never fails the build.
importers: ## install Debian's musescore3 and fluidsynth (the importer tests) when possible
	@command -v mscore3 >/dev/null 2>&1 && command -v fluidsynth >/dev/null 2>&1 || { \
	  (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends musescore3 fluidsynth >/dev/null 2>&1 || \
	   (apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends musescore3 fluidsynth >/dev/null 2>&1)) \
	  && echo "installed musescore3 and fluidsynth" || echo "musescore3/fluidsynth not available: their tests will be skipped"; }

lmms: install ## what LMMS shows of our files (slow, ~10 s a file; installs lmms, xvfb, xdotool when possible)
	@command -v lmms >/dev/null 2>&1 && command -v Xvfb >/dev/null 2>&1 && command -v xdotool >/dev/null 2>&1 || { \
	  (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq lmms xvfb xdotool fluid-soundfont-gm >/dev/null 2>&1 || \
	   (apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq lmms xvfb xdotool fluid-soundfont-gm >/dev/null 2>&1)) \
	  || echo "lmms not available: its tests will be skipped"; }
	MIDI_EXPORT_LMMS=1 $(BIN)/python -m pytest -q -rs -m lmms tests/test_lmms.py

fluidsynth: ## install FluidSynth and a GM soundfont (for --render and its tests) when possible
	@{ command -v fluidsynth >/dev/null 2>&1 && test -e /usr/share/sounds/sf2/FluidR3_GM.sf2; } || { \
	  (apt-get install -y -qq fluidsynth fluid-soundfont-gm >/dev/null 2>&1 || \
	   (apt-get update -qq >/dev/null 2>&1 && \
	    apt-get install -y -qq fluidsynth fluid-soundfont-gm >/dev/null 2>&1)) \
	  && echo "installed fluidsynth and fluid-soundfont-gm" \
	  || echo "could not install fluidsynth and fluid-soundfont-gm with apt: the rendering tests run only where FluidSynth and a GM soundfont are found"; }

lint: install ## ruff
	$(BIN)/ruff check midi_export tests benchmarks evaluation scripts

typecheck: install ## mypy --strict on the package
	$(BIN)/mypy

unit: install ## the test suite only
	$(BIN)/python -m pytest -q

smoke-install: install ## the installed console script answers --help and --version
	$(BIN)/fetch-mid --help >/dev/null
	$(BIN)/fetch-mid --version

test: install midicsv importers fluidsynth lint typecheck smoke-install unit ## everything CI runs: lint, types, the whole suite

bench: install ## the speed and memory benchmark (slow; writes benchmarks/results/)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python benchmarks/bench.py

bench-batch: install ## the batch regime alone: 1,000 records, convert DIR vs 1,000 processes (writes benchmarks/results/batch/)
	$(BIN)/python benchmarks/bench.py --only batch --out benchmarks/results/batch

bench-serve: install ## load test of fetch-mid serve on 127.0.0.1: 2,000 deliveries, 50 senders (writes benchmarks/results/serve_load.json)
	$(BIN)/python benchmarks/serve_load.py --json benchmarks/results/serve_load.json

# the evaluation's own environment: basic-pitch pins numpy below 2 (through tensorflow), so
# it stays out of .venv, whose numpy is the one users get
EVAL_BIN := .venv-eval/bin

tempo-eval: ## score --bpm auto (tempo, downbeat, metre, key) per tier beside pretty_midi and music21 (first run ~1.5 h of CPU: transcribes; cached)
	@test -x $(EVAL_BIN)/python || $(PYTHON) -m venv .venv-eval
	$(EVAL_BIN)/python -m pip install --quiet -e '.[dev,eval]'
	bash evaluation/get_real_midi.sh
	$(EVAL_BIN)/python evaluation/score.py --regenerate
	nice -n 10 $(EVAL_BIN)/python evaluation/build.py
	$(EVAL_BIN)/python evaluation/tiers.py

debris-eval: install ## what --clean does to basic-pitch transcriptions (evaluation/debris/; the committed ones)
	$(BIN)/python evaluation/debris/analyse.py

clean: ## remove the environment and generated files
	rm -rf $(VENV) demo-out .pytest_cache .mypy_cache .ruff_cache .hypothesis *.egg-info
