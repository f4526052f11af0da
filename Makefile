# harden-sa-token: every target installs or builds what it needs itself.
SHELL := /bin/bash
CARGO ?= cargo
BIN := target/release/harden-sa-token

.PHONY: build test lint demo schema clean

build:
	$(CARGO) build --release --locked

## test: unit, golden, corpus and end-to-end (kpt) tests; REQUIRE_E2E=1 makes a missing tool fatal.
test:
	$(CARGO) test --locked --all-targets

## lint: formatting and clippy, warnings are errors.
lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --locked --all-targets -- -D warnings

## schema: regenerate function-config/schema.json from the Rust types.
schema:
	UPDATE_SCHEMA=1 $(CARGO) test --locked --test schema

## demo: harden the bundled example package with kpt and show the diff.
demo: build
	@./examples/demo.sh $(BIN)

clean:
	$(CARGO) clean
