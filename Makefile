# Quell. The two commands people need are `make run` and `make test`; both install what is
# missing first. Everything else here is a step of those two.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := run

export PATH := $(HOME)/.cargo/bin:$(PATH)
# Leptos reads this at compile time (the name of the browser bundle); setting it for every cargo
# command keeps cargo from rebuilding Leptos between the builds and `cargo test`.
export LEPTOS_OUTPUT_NAME := quell

WASM_OPT_MIN_VERSION := 116
# npm's binaryen ships a ready wasm-opt (Debian's 108 breaks hydration; compiling one takes 10 min),
# and npm's lightningcss-cli a ready CSS minifier. No cargo-leptos: compiling it took 17 minutes of
# a cold set-up, and the build is two cargo commands and .ci/assets (`cargo leptos watch` still
# works as an optional developer loop).
BINARYEN_VERSION := 132.0.0
LIGHTNINGCSS_VERSION := 1.33.0
WASM_BINDGEN_VERSION = $(shell sed -n '/^name = "wasm-bindgen"$$/{n;s/^version = "\(.*\)"$$/\1/p;}' Cargo.lock)
SITE_ROOT := target/site
QUELL := target/release/quell
# Rebuilt only when a source changed, so a second `make run` starts at once.
BUILD_STAMP := target/.quell-release-build
# Cuts the browser's wasm into the shell and one part per page (.ci/wasm-split, its own workspace).
SPLIT_TOOL := target/tools/release/quell-wasm-split
BUILD_INPUTS := Cargo.toml Cargo.lock .cargo/config.toml .ci/assets $(shell find app/src frontend/src frontend/vendor server/src migrations style -type f 2>/dev/null)

.PHONY: run test build tools browser-tools postgres cargo-tests crash-test e2e bench clean

## make run: build (release) and serve on http://127.0.0.1:3000 with SQLite in ./data/
run: build
	@mkdir -p data
	LEPTOS_SITE_ROOT=$(SITE_ROOT) $(QUELL) serve

## make test: every test: unit, store contract and HTTP on SQLite and Postgres, crash, Playwright
test: build browser-tools postgres cargo-tests crash-test e2e

build: tools $(BUILD_STAMP)

# The stamp takes the time the build started, so a source changed during a build is built next time.
# The browser bundle first (its own profile: small wasm), then the server, then the site's files.
$(BUILD_STAMP): $(BUILD_INPUTS) $(SPLIT_TOOL) | tools
	@mkdir -p target && touch $@.started
	cargo build -p frontend --lib --target wasm32-unknown-unknown --profile wasm-release
	cargo build -p server --release --bin quell
	QUELL_WASM_SPLIT=$(SPLIT_TOOL) .ci/assets target/wasm32-unknown-unknown/wasm-release/frontend.wasm $(SITE_ROOT)
	@mv $@.started $@

$(SPLIT_TOOL): .ci/wasm-split/Cargo.toml .ci/wasm-split/Cargo.lock .ci/wasm-split/src/main.rs
	cargo build --release --locked --manifest-path .ci/wasm-split/Cargo.toml --target-dir target/tools
	@touch $@

tools:
	@rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
	@[ -n "$(WASM_BINDGEN_VERSION)" ] || { echo "no wasm-bindgen in Cargo.lock"; exit 1; }
	@wasm-bindgen --version 2>/dev/null | grep -q " $(WASM_BINDGEN_VERSION)" \
		|| cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION) --force
	@# (|| true: with pipefail a missing wasm-opt would otherwise stop make here instead of installing it)
	@v=$$(wasm-opt --version 2>/dev/null | sed -n 's/^wasm-opt version \([0-9]*\).*/\1/p' || true); \
		[ "$${v:-0}" -ge $(WASM_OPT_MIN_VERSION) ] || npm install -g --no-audit --no-fund binaryen@$(BINARYEN_VERSION)
	@command -v lightningcss >/dev/null || npm install -g --no-audit --no-fund lightningcss-cli@$(LIGHTNINGCSS_VERSION)
	@command -v brotli >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq brotli; }

browser-tools:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }
	@cd end2end && { [ -d node_modules/@playwright/test ] && [ node_modules/.package-lock.json -nt package-lock.json ]; } || npm ci --no-audit --no-fund

# Postgres runs on these machines; start it if it was stopped. Its tests fail without it, unless
# QUELL_SKIP_POSTGRES=1 says to skip them (printed loudly by every skipped test).
postgres:
	@pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start 2>/dev/null || true

# Unit tests, the store contract suite (SQLite and Postgres) and the HTTP suite (both again).
cargo-tests: tools postgres
	@# The delivery tests talk to a real SMTP server (aiosmtpd).
	@python3 -c "import aiosmtpd" 2>/dev/null || pip install --quiet aiosmtpd==1.4.6
	cargo test -p app --features test-support
	cargo test -p server

# The release server killed mid-write (SQLite) and its database restarted under load (Postgres).
# It restarts the local Postgres, so it runs on its own, after the cargo tests.
crash-test: build postgres cargo-tests
	.ci/crash-test

e2e: build browser-tools
	cd end2end && npx playwright test

## make bench: latency figures for the release build on SQLite and Postgres
bench: build postgres
	@command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
	.ci/bench

clean:
	cargo clean
	rm -rf end2end/node_modules end2end/.tmp end2end/test-results end2end/playwright-report
