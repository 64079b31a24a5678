# The two commands of the README, and a few more for developers.
.PHONY: demo test bench format lint

# The main job: devices record offline, sync to a central server, the merged log is shown.
demo:
	@scripts/require-packages.sh
	swift build --product empower-cli
	.build/debug/empower-cli demo

# Every test, on real SQLite files, a throwaway PostgreSQL server (or $EMPOWER_TEST_DATABASE_URL) and real
# servers over loopback; then Schemathesis fuzzes the live server against docs/openapi.yaml.
test:
	@scripts/require-packages.sh libsqlite3-dev libcurl4-openssl-dev python3-venv postgresql
	swift build --build-tests
	scripts/with-postgres.sh swift test --skip-build
	scripts/schemathesis.sh

# Benchmarks in release mode; figures in docs/benchmarks.md.
bench:
	@scripts/require-packages.sh
	swift build -c release --product empower-cli
	.build/release/empower-cli bench

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
