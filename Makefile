# Pioniers API. `make run` serves on embedded SQLite; `make test` runs every test.
GO          ?= go
BIN         := bin/pioniers
# The NL GOV ADR ruleset: empty picks one in reach, offline (see scripts/adr-ruleset);
# a file, a URL, or "hosted" for Logius' hosted copy.
ADR_RULESET ?=
SPECTRAL    ?= npx --yes @stoplight/spectral-cli@6.16.3
TS_CLIENT   := clients/typescript
GENERATED   := api pkg/client $(TS_CLIENT)/src/schema.d.ts
TESTFLAGS   ?=

.PHONY: build run test test-race test-reliability test-postgres test-e2e test-typescript bench generate check-generate lint fmt clean

build:
	$(GO) build -o $(BIN) ./cmd/pioniers

# The action plan's data and clearly marked examples (meetings in the coming
# quarters among them), then the API; production runs serve alone.
# Notifications are written to <data-dir>/mail as .eml files, not sent
# (unless PIONIERS_SMTP_HOST is set); serve says so at start.
run: build
	./$(BIN) seed --demo
	PIONIERS_MAIL_DIR="$${PIONIERS_MAIL_DIR-$${PIONIERS_DATA_DIR:-./data}/mail}" ./$(BIN) serve

# TESTFLAGS passes go test flags through: make test TESTFLAGS=-race.
test:
	$(GO) test $(TESTFLAGS) -count=1 -timeout 20m ./...

# The suite once with the race detector (slower); CI runs the same.
test-race:
	$(MAKE) test TESTFLAGS=-race

# The long reliability suite (crash cycles, shutdown under load, soak, database
# trouble): tests named TestReliability* in files built with the reliability
# tag. SOAK (default 2m) sets how long the soak runs.
test-reliability:
	$(GO) test $(TESTFLAGS) -tags reliability -run '^TestReliability' -count=1 -timeout 40m ./...

# The whole suite again on a private PostgreSQL cluster (Debian's postgresql binaries).
test-postgres:
	scripts/with-postgres $(MAKE) test

# The calendar feed and the embeddable schedule against the real binary, in
# Debian's headless Chromium (installed when missing); screenshots in test-artifacts/.
test-e2e: build
	e2e/with-chromium sh -c 'cd e2e && npm ci --no-audit --no-fund && npm test'

# The TypeScript client (clients/typescript): tsc --strict compiles the
# front-end scenarios, node's test runner runs them against bin/pioniers on a
# free port with a fresh data folder.
test-typescript: build $(TS_CLIENT)/node_modules/.package-lock.json
	cd $(TS_CLIENT) && PIONIERS_BIN=$(CURDIR)/$(BIN) npm test

# The TypeScript client's tools, as pinned in its package-lock.json.
$(TS_CLIENT)/node_modules/.package-lock.json: $(TS_CLIENT)/package-lock.json
	cd $(TS_CLIENT) && npm ci --no-audit --no-fund

# The performance table (docs/development.md): bin/pioniers against a floor
# server in the same rounds, then go test -bench on the hot paths; the results
# file is named at the end. Flags: make bench BENCH_ARGS='-large 0 -rounds 1'.
# make bench-postgres adds the main dataset's rows on PostgreSQL, on a private
# throw-away cluster with PostgreSQL's defaults (fsync on; PGTEST_PORT picks
# its port, 55432); its file is not copied to latest.md, which stays a
# SQLite-only run (PostgreSQL's own work shares the cores with those rows).
BENCH_ARGS  ?=
BENCH_GO    ?= .
BENCH_TIME  ?= 1s
BENCH_STAMP := $(shell date -u +%Y-%m-%d-%H%M)
BENCH_OUT   ?= bench/results/$(BENCH_STAMP).md
.PHONY: bench-quick bench-run bench-postgres

bench: bench-run
	cp $(BENCH_OUT) bench/results/latest.md
	@echo "results: $(BENCH_OUT) (copied to bench/results/latest.md)"

# TEST_DATABASE_URL is set inside scripts/with-postgres: the inner make expands it.
bench-postgres:
	PGTEST_DURABLE=1 scripts/with-postgres $(MAKE) bench-run BENCH_OUT=$(BENCH_OUT) BENCH_ARGS='-postgres "$$(TEST_DATABASE_URL)" $(BENCH_ARGS)'
	@echo "results: $(BENCH_OUT)"

# A smoke run: small datasets, one round of 3s, the meeting benchmarks 20 times.
bench-quick:
	$(MAKE) bench-run BENCH_ARGS='-meetings 500 -large 2000 -milestones 1000 -rounds 1 -duration 3s $(BENCH_ARGS)' \
	  BENCH_GO=Meeting BENCH_TIME=20x BENCH_OUT=bench/.data/quick.md
	@echo "results: bench/.data/quick.md"

bench-run: build
	$(GO) build -o bin/pioniers-bench ./cmd/pioniers-bench
	./bin/pioniers-bench -bin $(BIN) -out $(BENCH_OUT) $(BENCH_ARGS)
	@printf '\n## go test -bench (internal/httpapi)\n\n```\n' >> $(BENCH_OUT)
	@( $(GO) test -run '^$$' -bench '$(BENCH_GO)' -benchtime $(BENCH_TIME) -benchmem ./internal/httpapi/ 2>&1; echo $$? > $(BENCH_OUT).status ) \
	  | tee -a $(BENCH_OUT); s=$$(cat $(BENCH_OUT).status); rm -f $(BENCH_OUT).status; printf '```\n' >> $(BENCH_OUT); exit $$s

# The Go server and client, and the TypeScript client's types (openapi-typescript).
generate: $(TS_CLIENT)/node_modules/.package-lock.json
	$(GO) generate ./api/... ./pkg/client/...
	cd $(TS_CLIENT) && npm run --silent generate

# Fails when the committed generated code differs from what openapi.yaml generates.
check-generate: generate
	@git diff --exit-code -- $(GENERATED) || { echo "generated code is out of date: run make generate and commit"; exit 1; }
	@test -z "$$(git ls-files --others --exclude-standard -- $(GENERATED))" || { echo "untracked generated files: commit them"; exit 1; }

lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' | grep -v '\.gen\.go$$')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) mod tidy -diff
	$(GO) vet ./...
	$(GO) tool staticcheck ./...
	@ruleset=$$(ADR_RULESET='$(ADR_RULESET)' scripts/adr-ruleset) && \
	  echo "$(SPECTRAL) lint --fail-severity error -r $$ruleset openapi.yaml" && \
	  $(SPECTRAL) lint --fail-severity error -r "$$ruleset" openapi.yaml

fmt:
	gofmt -w $$(git ls-files '*.go' | grep -v '\.gen\.go$$')

clean:
	rm -rf bin
