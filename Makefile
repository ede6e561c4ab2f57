# Two commands: `make demo` and `make test`. Both build .venv/ from
# pyproject.toml pinned by constraints.txt.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint venv test-deps clean lock

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[test,scale]'
	touch $@

venv: $(STAMP)

demo: venv
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput -v 0
	$(PY) manage.py demo
	$(PY) manage.py setup_schedules --sweeps-only
	PY=$(PY) bash scripts/demo.sh

test-deps: venv
	bash scripts/install-test-deps.sh

# The whole suite on the embedded defaults (SQLite, ORM broker), then again on
# PostgreSQL + Redis started from Debian's packages (scripts/with-services.sh).
test: test-deps lint
	$(PY) -m pytest
	bash scripts/with-services.sh $(PY) -m pytest -m "not browser"

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Re-pin after changing dependencies in pyproject.toml.
lock:
	rm -rf /tmp/paperdigest-lock && $(PYTHON) -m venv /tmp/paperdigest-lock
	/tmp/paperdigest-lock/bin/pip install --quiet '.[test,scale]'
	/tmp/paperdigest-lock/bin/pip freeze --exclude paperdigest > constraints.txt

clean:
	rm -rf $(VENV) var staticfiles
