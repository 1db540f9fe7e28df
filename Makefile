# The README's two commands: `make demo` and `make test`. Both set up .venv once, then no-op.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test setup book notebooks clean-venv

$(STAMP): pyproject.toml scripts/setup_venv.sh
	@PYTHON=$(PYTHON) bash scripts/setup_venv.sh $(VENV)
	@touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(PY) -m textdistill_lab demo $(DEMO_ARGS)

test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

book: $(STAMP)
	nice -n 10 $(PY) scripts/build_book.py --budget $${BUDGET:-class}

clean-venv:
	rm -rf $(VENV)
