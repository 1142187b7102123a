# Everyday commands. Each recipe is one plain command; `just` is optional.

# every test that needs no server
test:
    cargo nextest run --workspace --no-fail-fast

# formatting and lints, as CI checks them
lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings

fmt:
    cargo fmt --all

# exactly what CI runs: lints, local Redis and S3, every test leg
ci:
    bash .ci/run

# a local SeaweedFS for the S3 leg; then: eval "$(scripts/s3-test-server.sh env)"
s3-up:
    scripts/s3-test-server.sh start

s3-down:
    scripts/s3-test-server.sh stop
