# The two commands of the README, and a few more for developers.
.PHONY: demo test bench format lint install man completions

# The main job: devices record offline, sync to a central server, the merged log is shown.
demo:
	@scripts/require-packages.sh
	swift build --product empower-cli
	.build/debug/empower-cli demo --serve

# Every test, on real SQLite files, a throwaway PostgreSQL server (or $EMPOWER_TEST_DATABASE_URL) and real
# servers over loopback; then Schemathesis fuzzes the live server against docs/openapi.yaml, and the browser tests
# drive the pages in Debian's headless Chromium (scripts/browser-tests.sh).
# The suites that bound how long a request or a restart may take (network faults, SIGKILLs, slow clients) run on their
# own after the others: run among 70 suites at once on two cores they measure the load, not Empower. The convergence
# property runs alone last: its workers keep every thread of Swift's concurrency pool busy for minutes, which would
# hold up every other test meanwhile (a live server's 20 s client timeout fired in one run).
TIMED_SUITES = NetworkFaultTests|CrashSafetyTests|AbuseLimitsTests
PROPERTY_SUITES = ConvergencePropertyTests
test:
	@scripts/require-packages.sh libsqlite3-dev libcurl4-openssl-dev python3-venv postgresql faketime chromium
	swift build --build-tests
	scripts/with-postgres.sh sh -c 'swift test --skip-build --skip "$(TIMED_SUITES)|$(PROPERTY_SUITES)" \
		&& swift test --skip-build --filter "$(TIMED_SUITES)" \
		&& swift test --skip-build --filter "$(PROPERTY_SUITES)"'
	scripts/schemathesis.sh
	scripts/browser-tests.sh

# The browser tests alone (Tests/Browser: Playwright and Debian's headless Chromium against a live server).
.PHONY: browser-tests
browser-tests:
	swift build --product empower-cli
	scripts/browser-tests.sh

# Benchmarks in release mode (empower-bench, whose servers are the empower-cli beside it), on SQLite and on a throwaway
# PostgreSQL with durable commits (fsync on), or on $EMPOWER_TEST_DATABASE_URL; prints the table and writes it to
# docs/benchmarks.md. The weak-signal measure pushes and pulls 10,000 operations through a 2 Mbit/s proxy (about
# 2 minutes); a quicker run: BENCH_FLAGS="--link-operations 1000".
BENCH_FLAGS ?=
bench:
	@scripts/require-packages.sh libsqlite3-dev libcurl4-openssl-dev postgresql
	swift build -c release --product empower-cli --scratch-path .build-release
	swift build -c release --product empower-bench --scratch-path .build-release
	EMPOWER_POSTGRES_FSYNC=on scripts/with-postgres.sh sh -c '.build-release/release/empower-bench \
		--database "$$EMPOWER_TEST_DATABASE_URL" --backlog 100000 --noop-store-sizes 10000 1000000 \
		--out docs/benchmarks.md $(BENCH_FLAGS)'

format:
	swift format -i -r Package.swift Sources Tests

lint:
	swift format lint --strict -r Package.swift Sources Tests

# Fuzz a live server against docs/openapi.yaml with Schemathesis (installed into .build on first use).
.PHONY: schemathesis
schemathesis:
	@scripts/require-packages.sh
	swift build --product empower-cli
	scripts/schemathesis.sh

# The manual page (ArgumentParser's generate-manual plugin) and the shell completions, into .build/share.
man:
	@scripts/require-packages.sh libsqlite3-dev libcurl4-openssl-dev
	swift package generate-manual --configuration debug
	install -D -m 0644 .build/plugins/GenerateManual/outputs/empower-cli/empower-cli.1 .build/share/man/man1/empower-cli.1

completions:
	@scripts/require-packages.sh libsqlite3-dev libcurl4-openssl-dev
	swift build --product empower-cli
	mkdir -p .build/share/bash-completion/completions .build/share/zsh/site-functions .build/share/fish/vendor_completions.d
	.build/debug/empower-cli --generate-completion-script bash > .build/share/bash-completion/completions/empower-cli
	.build/debug/empower-cli --generate-completion-script zsh > .build/share/zsh/site-functions/_empower-cli
	.build/debug/empower-cli --generate-completion-script fish > .build/share/fish/vendor_completions.d/empower-cli.fish

# Installs the release build, its manual page and completions under $(PREFIX) (deploy/ has a systemd unit and
# an example configuration file for serve): sudo make install, or make install PREFIX=$$HOME/.local.
PREFIX ?= /usr/local
install: man completions
	swift build -c release --product empower-cli --scratch-path .build-release
	install -D -m 0755 .build-release/release/empower-cli $(DESTDIR)$(PREFIX)/bin/empower-cli
	cd .build/share && find . -type f -exec install -D -m 0644 {} $(DESTDIR)$(PREFIX)/share/{} \;
