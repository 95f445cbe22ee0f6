# The two commands a newcomer needs:
#   make run    start the whole platform on its embedded defaults (Ctrl-C stops it)
#   make test   run the test suite against real servers it starts itself
#   make test-unit   only the fast layer (tests/unit: pure code, no servers)
# Both install what is missing first.

PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: install run test test-unit lint breaking typecheck protos check-protos clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)
	$(PY) -m redress.devstack.binaries >/dev/null

run: install
	$(PY) -m redress.devstack

# docker-compose (Debian's package) only validates docker-compose.yml in the
# tests; no Docker engine is needed.
test: install
	@test -x /usr/bin/docker-compose || { \
	  echo "installing docker-compose (Debian) to validate docker-compose.yml"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose >/dev/null) \
	    || echo "could not install docker-compose; the compose test will fail and say so"; }
	@test -x /usr/bin/chromium || { \
	  echo "installing chromium (Debian) for the console's browser tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null) \
	    || echo "could not install chromium; the console tests will fail and say so"; }
	@test -x /usr/sbin/dovecot || { \
	  echo "installing dovecot-imapd (Debian): the e-mail channel's tests read a real IMAP mailbox"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd >/dev/null) \
	    || echo "could not install dovecot-imapd; the e-mail channel tests will fail and say so"; }
	$(PY) -m redress.devtools.protogen --check
	$(VENV)/bin/buf lint
	$(MAKE) --no-print-directory breaking
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	$(PY) -m pytest -p no:cacheprovider $(PYTEST_ARGS)

# The fast layer: pure code, no servers, in seconds.
test-unit: install
	$(VENV)/bin/lint-imports
	$(PY) -m pytest -p no:cacheprovider tests/unit $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/buf lint

# The API may only change compatibly: on a branch, against main; on main,
# against the commit before (a clone without history has nothing to compare).
breaking: install
	@if [ "$$(git rev-parse --abbrev-ref HEAD 2>/dev/null)" != main ] && git rev-parse -q --verify main >/dev/null; then \
	  echo "buf breaking against main"; $(VENV)/bin/buf breaking --against '.git#branch=main'; \
	elif git rev-parse -q --verify HEAD~1 >/dev/null; then \
	  echo "buf breaking against HEAD~1"; $(VENV)/bin/buf breaking --against '.git#ref=HEAD~1'; \
	else echo "buf breaking: no earlier commit to compare with"; fi

typecheck: install
	$(VENV)/bin/mypy

protos: install
	$(PY) -m redress.devtools.protogen

check-protos: install
	$(PY) -m redress.devtools.protogen --check

clean:
	rm -rf $(VENV) .cache
