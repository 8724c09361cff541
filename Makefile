# logwrangler: the two entry points of a fresh machine.
#   make demo   runs the main job locally on embedded defaults (no AWS account):
#               a generated day (or FILES=your logs) through the Firehose simulator,
#               the real Lambda binaries and moto_server, with a report; the lake
#               stays in ./lake
#   make test   runs the whole test suite (what CI runs), then fuzzes every target 20 s
# Both install what they need themselves (Rust components; moto_server, cargo-lambda and
# cfn-lint into .venv; the CDK app's npm packages into infra-cdk/node_modules).

CARGO ?= cargo
export CARGO_TERM_COLOR ?= never
export CARGO_INCREMENTAL ?= 0

VENV := .venv
# The one Lambda build (tests build the same set: local_stack::stack::LAMBDA_PACKAGES), so
# cargo resolves one feature set and the tests find it fresh instead of compiling the AWS
# SDK crates again.
LAMBDAS := -p transform-lambda -p alerting-lambda -p lookup-lambda

.PHONY: test demo schemas fmt tools

## Whole test suite: formatting, lints, unit + conformance + property tests, the
## local AWS stand-ins (moto_server, cargo lambda watch), the CDK stack (assertions, cdk-nag,
## cfn-lint); crates/logwrangler/tests/schemas.rs fails when schemas/ is stale. Then a bounded fuzzing
## run: every cargo-fuzz target FUZZ_SECONDS (20) on nightly, which the script installs with
## rustup when missing (FUZZ_SECONDS=0 skips it; the corpus replay, a test of tools/testkit, stays in
## cargo test).
FUZZ_SECONDS ?= 20

test: tools $(VENV)/.installed
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings
	$(CARGO) build --locked $(LAMBDAS)
	$(CARGO) test --workspace --locked
	cd infra-cdk && npm ci --no-audit --no-fund && npm test
	@if [ "$(FUZZ_SECONDS)" != 0 ]; then FUZZ_SKIP_REPLAY=1 tests/scripts/fuzz.sh run $(FUZZ_SECONDS); fi

## The main job: a generated day (or your own log files: FILES="dir or files") through the
## local pipeline (docs/ARCHITECTURE.md §9), a report on the terminal, the lake left in ./lake.
## DEMO_ARGS passes further options (e.g. --scale 0.2, --seed 7, --sources mapping.json).
demo: tools $(VENV)/.installed
	$(CARGO) build --locked $(LAMBDAS)
	$(CARGO) build --locked -p loadtest
	$${CARGO_TARGET_DIR:-target}/debug/loadtest demo --lake lake $(if $(FILES),--files $(FILES)) $(DEMO_ARGS)

## Regenerate schemas/ from the record types.
schemas:
	$(CARGO) run --quiet --locked -p logwrangler-cli -- schemas --out schemas

fmt:
	$(CARGO) fmt --all

## Python-side test tools (moto_server, cargo-lambda) in a project-local venv.
$(VENV)/.installed: tests/requirements.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r tests/requirements.txt
	touch $@

tools:
	@rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt
	@rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy
	@# Headless Chromium renders the session picture in crates/lookup/tests/browser.rs (Debian package).
	@command -v chromium-headless-shell >/dev/null || command -v chromium >/dev/null || \
		(apt-get install -y --no-install-recommends chromium-headless-shell || \
		 (apt-get update && apt-get install -y --no-install-recommends chromium-headless-shell))
