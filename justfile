# Everyday commands. Each recipe is one plain command; `just` is optional.

# the bot on the embedded default (SQLite, local images; the sandbox without a Telegram token)
run:
    cargo run -p aisha

# the sandbox explicitly: both emulators and the web chat at http://127.0.0.1:8080/
sandbox:
    cargo run -p aisha -- sandbox

# every dependency checked, one line each
doctor:
    cargo run -p aisha -- doctor

# every test that needs no server
test:
    cargo nextest run --workspace --no-fail-fast

# the web chat in headless Chromium (needs Debian's chromium and `npm ci` in crates/app/tests/browser)
test-browser:
    AISHA_TEST_BROWSER=/usr/bin/chromium cargo nextest run -p aisha --test webchat

# formatting and lints, as CI checks them
lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings

fmt:
    cargo fmt --all

# exactly what CI runs: lints, local PostgreSQL, Redis and S3, the browser, every test leg
ci:
    bash .ci/run

# the whole bot under load on PostgreSQL + Redis (docs/performance.md)
bench:
    cargo build --release -p aisha
    AISHA_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres AISHA_TEST_REDIS_URL=redis://127.0.0.1:6379/0 cargo run --release -p aisha-tests --bin load -- --users 10000 --images 20

# the per-layer benchmarks (figures in the crates' READMEs)
bench-layers:
    cargo run --release -p aisha-telegram --example intake-load
    cargo run --release -p aisha-bot --example nav-bench
    cargo run --release -p aisha-fal --example runner-load -- --jobs 500
    AISHA_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres cargo run --release -p aisha-db --example gallery-bench

# a local SeaweedFS for the S3 leg; then: eval "$(scripts/s3-test-server.sh env)"
s3-up:
    scripts/s3-test-server.sh start

s3-down:
    scripts/s3-test-server.sh stop
