#!/usr/bin/env bash
# Fuzzes a live Empower server against docs/openapi.yaml with Schemathesis.
#
# Starts `empower-cli serve` on a free loopback port over a throwaway data directory, makes an
# administrator, a supervisor and an officer with real tokens (the CLI's own enrolment path), puts a few
# records in the log (so searches, pulls and the audit log answer with real data), then runs Schemathesis
# on every documented operation with the token of a role that may use it (and once more without a token
# for health and enrolment). Checks: no 5xx, status codes, content types, headers and bodies as documented.
#
# Fails if any check fails, if the server logged a failed request (`request.failed`: a 500) or if it died.
#
# Environment: EMPOWER_CLI (default .build/debug/empower-cli; build it with
# `swift build --product empower-cli`), SCHEMATHESIS_MAX_EXAMPLES (default 50 per operation),
# SCHEMATHESIS_SEED (default a fixed seed, so that the same commit always gives the same result; `random` draws a
# fresh one for stress runs by hand; the seed is printed, and named again on failure), SCHEMATHESIS_VERSION (pin
# a version to install),
# SCHEMATHESIS_SPEC (another copy of the document, such as a deliberately broken one to see the checks bite).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
cli="${EMPOWER_CLI:-$root/.build/debug/empower-cli}"
venv="$root/.build/schemathesis-venv"
max_examples="${SCHEMATHESIS_MAX_EXAMPLES:-50}"
seed="${SCHEMATHESIS_SEED:-20261206}"
if [ "$seed" = random ]; then
    seed="$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')"
fi
case "$seed" in
'' | *[!0-9]*)
    echo "SCHEMATHESIS_SEED=$seed: a decimal number or random." >&2
    exit 2
    ;;
esac
spec="$(realpath "${SCHEMATHESIS_SPEC:-docs/openapi.yaml}")"
started=$(date +%s)

if [ ! -x "$cli" ]; then
    echo "No empower-cli at $cli: run 'swift build --product empower-cli' first." >&2
    exit 1
fi

# Schemathesis in its own virtual environment under .build, installed once.
if [ ! -x "$venv/bin/schemathesis" ]; then
    echo "Installing Schemathesis into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --upgrade pip
    "$venv/bin/pip" install --quiet "schemathesis${SCHEMATHESIS_VERSION:+==$SCHEMATHESIS_VERSION}"
fi
schemathesis="$venv/bin/schemathesis"
echo "Using $("$schemathesis" --version), seed $seed (SCHEMATHESIS_SEED), $max_examples examples per operation"

work="$(mktemp -d "${TMPDIR:-/tmp}/empower-schemathesis.XXXXXX")"
data="$work/central"
server_pid=""
cleanup() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

# The server, on a port of its choosing; its first line names the URL.
"$cli" serve --port 0 --data "$data" --venues fixtures/venues.json --rate-limit 100000 --auth-failure-limit 1000000 \
    >"$work/server.log" 2>&1 &
server_pid=$!
url=""
for _ in $(seq 1 100); do
    url="$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$work/server.log" 2>/dev/null | head -n 1 || true)"
    [ -n "$url" ] && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; echo "The server did not start." >&2; exit 1; }
    sleep 0.1
done
[ -n "$url" ] || { cat "$work/server.log" >&2; echo "The server did not print its URL." >&2; exit 1; }
echo "Server at $url (data: $data)"

# Accounts: an administrator (token by rotation), a supervisor and an officer (tokens by enrolment, as a
# device gets them), and spare devices for the fuzzer to revoke. Device ids are unlike anything the fuzzer
# makes, so it cannot revoke the ones in use by chance.
admin() { "$cli" admin "$@" --data "$data"; }
admin user add --id SCHEMA-ADMIN-1 --role admin >/dev/null
admin user add --id PS-1012 --role supervisor >/dev/null
admin user add --id PC-4127 --role officer >/dev/null
admin device enrol --user SCHEMA-ADMIN-1 --device dev-schemathesis-admin-7q2 >/dev/null
admin token rotate --device dev-schemathesis-admin-7q2 --out "$work/admin-token" >/dev/null
# The devices' unlock secret, from a file (device init asks on a terminal otherwise).
printf '%s\n' "schemathesis device secret" >"$work/device-secret"
enrol_device() { # user device directory
    local token
    token="$(admin device enrol --user "$1" --device "$2")"
    "$cli" device init --server "$url" --token "$token" --data "$3" --secret-file "$work/device-secret" >/dev/null
}
enrol_device PS-1012 dev-schemathesis-sup-7q2 "$work/supervisor"
enrol_device PC-4127 dev-schemathesis-off-7q2 "$work/officer"
spares=""
for n in 1 2 3 4; do
    admin device enrol --user PC-4127 --device "dev-schemathesis-spare-$n" >/dev/null
    spares="$spares${spares:+,}dev-schemathesis-spare-$n"
done
export EMPOWER_FUZZ_SPARES="$spares"
admin_token="$(cat "$work/admin-token")"

# Records of every kind, an amendment, registers and a redaction, synced to the server.
uuid='[0-9A-Fa-f]\{8\}-[0-9A-Fa-f-]\{27\}'
officer() { "$cli" "$@" --data "$work/officer"; }
supervisor() { "$cli" "$@" --data "$work/supervisor"; }
sighting="$(officer sighting add --venue venue-concert-sq-01 --behaviour following --behaviour leering \
    --risk medium --narrative "Followed a woman across the square" | grep -o "$uuid" | head -n 1)"
intervention="$(officer intervention add --follows "$sighting" --venue venue-concert-sq-01 --action engagement \
    --outcome advice-given --notes "Spoke to the subject" | grep -o "$uuid" | head -n 1)"
officer note add --record "$sighting" --text "Door staff informed" >/dev/null
officer amend "$sighting" --field risk-level --value high --reason "Reassessed with door staff" >/dev/null
mistaken="$(officer sighting add --venue venue-seel-st-03 --behaviour loitering --risk low \
    | grep -o "$uuid" | head -n 1)"
officer sync >/dev/null
supervisor sync >/dev/null
supervisor review "$sighting" --status reviewed >/dev/null
supervisor grade "$sighting" --grading 2-B-P >/dev/null
supervisor link "$intervention" --to "$sighting" --kind follows >/dev/null
supervisor redact "$mistaken" --reason recorded-in-error --explanation "Entered on the wrong device" >/dev/null
supervisor sync >/dev/null
echo "Seeded records $sighting, $intervention and $mistaken (redacted)"
# The devices keep their access tokens sealed with their data keys; the fuzzer gets tokens of its own for the
# same devices by rotation (the devices are not used again), and the devices are locked.
admin token rotate --device dev-schemathesis-sup-7q2 --out "$work/supervisor-token" >/dev/null
admin token rotate --device dev-schemathesis-off-7q2 --out "$work/officer-token" >/dev/null
supervisor_token="$(cat "$work/supervisor-token")"
officer_token="$(cat "$work/officer-token")"
supervisor device lock >/dev/null
officer device lock >/dev/null

# Hooks. A push made as another device or user is refused whole (403 identity-mismatch) before its
# operations are looked at; so that the fuzzer reaches admission and validation, map_body stamps every
# generated push with the identity of the token it is sent with (EMPOWER_FUZZ_DEVICE, EMPOWER_FUZZ_USER).
cat >"$work/hooks.py" <<'PYTHON'
import os

import schemathesis


@schemathesis.hook
def map_body(context, body):
    device, user = os.environ.get("EMPOWER_FUZZ_DEVICE"), os.environ.get("EMPOWER_FUZZ_USER")
    operation = context.operation
    if not device or operation is None or operation.path != "/v1/sync/push" or not isinstance(body, dict):
        return body
    body = dict(body, deviceId=device)
    if isinstance(body.get("operations"), list):
        body["operations"] = [
            dict(item, deviceId=device, author=user) if isinstance(item, dict) else item
            for item in body["operations"]
        ]
    return body


@schemathesis.hook
def map_path_parameters(context, path_parameters):
    # Random device ids name nothing (404); every third one is swapped for a real spare device, so that
    # revocation and rotation succeed too (and then meet a revoked device: 409).
    spares = [spare for spare in os.environ.get("EMPOWER_FUZZ_SPARES", "").split(",") if spare]
    operation = context.operation
    if not spares or operation is None or not operation.path.startswith("/v1/admin/devices/"):
        return path_parameters
    device = path_parameters.get("id") if isinstance(path_parameters, dict) else None
    if isinstance(device, str) and sum(map(ord, device)) % 3 == 0:
        return dict(path_parameters, id=spares[len(device) % len(spares)])
    return path_parameters
PYTHON
export SCHEMATHESIS_HOOKS="$work/hooks.py"

# Not checked: positive_data_acceptance (valid-looking data the server refuses for what the document cannot
# say: unknown venues, taken ids, timestamps) and unsupported_method (an unknown method is 404, not 405).
checks="not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance"
checks="$checks,response_schema_conformance,negative_data_rejection,missing_required_header"
failed=0
run() { # label token-or-empty path-regex [device user]
    local label="$1" token="$2" paths="$3"
    export EMPOWER_FUZZ_DEVICE="${4:-}" EMPOWER_FUZZ_USER="${5:-}"
    local auth=()
    [ -n "$token" ] && auth=(--header "Authorization: Bearer $token")
    echo
    echo "=== Schemathesis as $label: $paths"
    # Run from the throwaway directory: Schemathesis and Hypothesis leave caches in the working directory.
    # The request timeout allows for the debug build on two shared cores: the coverage phase sends pushes of the
    # largest body allowed (several MB), which a debug build checks byte by byte (strict JSON) before decoding.
    if ! (cd "$work" && "$schemathesis" run "$spec" --url "$url" "${auth[@]}" \
        --include-path-regex "$paths" \
        --checks "$checks" \
        --phases examples,coverage,fuzzing \
        --max-examples "$max_examples" \
        --seed "$seed" \
        --generation-database none \
        --request-timeout 30 \
        --workers 2 \
        --no-color); then
        failed=1
    fi
    if ! kill -0 "$server_pid" 2>/dev/null; then
        echo "The server died during the run as $label." >&2
        failed=1
    fi
}

run "no token" "" '^(/v1/(health|enrol|device/wiped)|/public(/figures\.(csv|json))?|/assets/.*)$'
run "officer" "$officer_token" '^/v1/(sync/|venues$|device/wiped$)' dev-schemathesis-off-7q2 PC-4127
run "supervisor" "$supervisor_token" '^/v1/(sync/|venues$|records|admin/audit)' dev-schemathesis-sup-7q2 PS-1012
run "administrator" "$admin_token" '^/v1/admin/(venues|users|devices|audit|audit/verify)$'
# Revocation, wipe orders and rotation last, on their own: given the device list, Schemathesis would reuse the
# ids it saw there and revoke the administrator's own device halfway through the other operations.
run "administrator" "$admin_token" '^/v1/admin/devices/[^/]+/(revoke|wipe|token)$'

if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "The server is not running any more:" >&2
    tail -n 40 "$work/server.log" >&2
    failed=1
fi
if grep -q 'request.failed' "$work/server.log"; then
    echo "The server failed requests (500):" >&2
    grep 'request.failed' "$work/server.log" | sort | uniq -c >&2
    failed=1
fi

elapsed=$(($(date +%s) - started))
if [ "$failed" -ne 0 ]; then
    echo "Schemathesis found problems (after ${elapsed}s; replay with SCHEMATHESIS_SEED=$seed" \
        "SCHEMATHESIS_MAX_EXAMPLES=$max_examples)." >&2
    exit 1
fi
echo "Schemathesis passed: no server errors, every answer as documented (seed $seed, ${elapsed}s)."
