# amends — the two commands: `make run` (the product, with demo data) and `make test` (every check
# and every test, on SQLite and PostgreSQL). Everything else here serves those two.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements/dev.lock pyproject.toml | cksum | cut -d' ' -f1)
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/amends
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run install check test test-sqlite test-postgres messages demo tick clean

$(STAMP):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check --require-hashes -r requirements/dev.lock
	$(BIN)/pip install -q --disable-pip-version-check --no-deps -e .
	rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/amends migrate --noinput -v0
	$(BIN)/amends collectstatic --noinput -v0
	$(BIN)/amends demo --host $(HOST) --port $(PORT)
	$(BIN)/amends serve --host $(HOST) --port $(PORT)

check: install
	scripts/check

test: check test-sqlite test-postgres

test-sqlite: install
	$(BIN)/pytest -n 2 -q

test-postgres: install
	DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/pytest -n 2 -q

messages: install
	cd amends && ../$(BIN)/amends makemessages -l zh_Hans --no-obsolete --add-location file -v0
	cd amends && ../$(BIN)/amends compilemessages -v0

clean:
	rm -rf $(VENV) var
