"""A real `empower-cli serve` on a loopback port, with the fixtures loaded, for the browser tests.

`EmpowerServer.start()` runs the built CLI (EMPOWER_CLI, default .build/debug/empower-cli) over a throwaway data
directory, makes the fixtures' users and devices with the CLI's own admin commands, pushes every operation of
fixtures/patrol-log.json and fixtures/supervision.json through the real push endpoint as the device that made
it, adds the extra records of `extra_entries` (by default `SEPTEMBER_2026`: a month with 3 arrests), and
imports fixtures/streetsafe.csv and fixtures/streetsafe.json with `admin streetsafe import`.
"""
import json
import os
import re
import subprocess
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"


def cli_path():
    return os.environ.get("EMPOWER_CLI", str(ROOT / ".build/debug/empower-cli"))


class EmpowerServer:
    """A running server: `url`, `data` (its data directory), tokens by device id, and `cli(...)`."""

    def __init__(self, serve_args=()):
        self.work = Path(tempfile.mkdtemp(prefix="empower-browser-"))
        self.data = self.work / "central"
        self.serve_args = list(serve_args)
        self.process = None
        self.url = None
        self.tokens = {}
        self.users = set()
        self.log_path = self.work / "server.log"

    # The process.

    def start(self):
        log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [cli_path(), "serve", "--port", "0", "--data", str(self.data), "--venues", str(FIXTURES / "venues.json"),
             "--rate-limit", "100000", *self.serve_args],
            stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            match = re.search(r"http://127\.0\.0\.1:\d+", self.log_path.read_text())
            if match:
                self.url = match.group(0)
                return self
            if self.process.poll() is not None:
                raise RuntimeError("The server did not start:\n" + self.log_path.read_text())
            time.sleep(0.05)
        raise RuntimeError("The server did not print its URL:\n" + self.log_path.read_text())

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def failed_requests(self):
        """Lines of the server's log about requests that failed with a 500."""
        return [line for line in self.log_path.read_text().splitlines() if "request.failed" in line]

    # The CLI and the API.

    def cli(self, *args, check=True):
        result = subprocess.run([cli_path(), *args], capture_output=True, text=True, cwd=ROOT)
        if check and result.returncode != 0:
            raise RuntimeError(f"empower-cli {' '.join(args)} failed: {result.stdout}{result.stderr}")
        return result

    def admin(self, *args, check=True):
        return self.cli("admin", *args, "--data", str(self.data), check=check)

    def request(self, method, path, token=None, body=None):
        """(status, headers, body bytes) of a request to the server."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method)
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def add_device(self, device_id, user_id, role, venue_id=None):
        """A user (if new) and a device with an access token (by rotation, as scripts/schemathesis.sh does)."""
        if user_id not in self.users:
            extra = ["--venue", venue_id] if venue_id else []
            self.admin("user", "add", "--id", user_id, "--role", role, *extra)
            self.users.add(user_id)
        self.admin("device", "enrol", "--user", user_id, "--device", device_id)
        token_file = self.work / f"{device_id}.token"
        self.admin("token", "rotate", "--device", device_id, "--out", str(token_file))
        self.tokens[device_id] = token_file.read_text().strip()
        return self.tokens[device_id]

    def push(self, device_id, user_id, entries):
        """Pushes fixture entries (kind, recordId, payload) as one device; every one must be accepted."""
        now = int(time.time() * 1000) << 16
        operations = [
            {"opId": str(uuid.uuid4()).upper(), "deviceId": device_id, "author": user_id, "hlc": now + index,
             "recordId": entry["recordId"], "kind": entry["kind"], "payload": entry["payload"]}
            for index, entry in enumerate(entries)
        ]
        status, _, body = self.request(
            "POST", "/v1/sync/push", self.tokens[device_id],
            {"protocolVersion": 1, "deviceId": device_id, "operations": operations},
        )
        answer = json.loads(body)
        if status != 200 or answer.get("rejected"):
            raise RuntimeError(f"The push as {device_id} was refused: {status} {answer}")

    def load_log(self, fixture):
        devices = {d["deviceId"]: d for d in fixture["devices"]}
        for device in fixture["devices"]:
            if device["deviceId"] not in self.tokens:
                self.add_device(device["deviceId"], device["userId"], device["role"], device.get("venueId"))
        for device_id, device in devices.items():
            entries = [e for e in fixture["entries"] if e["device"] == device_id]
            if entries:
                self.push(device_id, device["userId"], entries)

    def load_fixtures(self, extra_entries=None):
        self.load_log(json.loads((FIXTURES / "patrol-log.json").read_text()))
        self.load_log(json.loads((FIXTURES / "supervision.json").read_text()))
        extra = SEPTEMBER_2026 if extra_entries is None else extra_entries
        if extra:
            self.push("dev-pc4127", "PC-4127", extra)
        for name in ("streetsafe.csv", "streetsafe.json"):
            self.admin("streetsafe", "import", str(FIXTURES / name))
        return self

    def records(self):
        """Every merged record, as a supervisor's audited search returns it."""
        status, _, body = self.request("GET", "/v1/records?reason=Browser%20test%20check", self.tokens["dev-ps0311"])
        assert status == 200, body
        return json.loads(body)["records"]


def _extra_month():
    """September 2026: 12 sightings at four venues and 9 interventions after them, 3 of them arrests."""
    venues = ["venue-concert-sq-01", "venue-seel-st-03", "venue-bold-st-05", "venue-lord-st-01"]
    entries = []
    for n in range(12):
        sighting = str(uuid.UUID(int=0x5E9_0000 + n)).upper()
        day = 4 + n * 2
        entries.append({
            "kind": "create-sighting", "recordId": sighting,
            "payload": {
                "id": sighting, "occurredAt": f"2026-09-{day:02d}T22:10:00.000Z",
                "recordedAt": f"2026-09-{day:02d}T22:30:00.000Z", "reporter": "PC-4127",
                "location": {"venueId": venues[n % 4]}, "behaviours": ["following"], "riskLevel": "medium",
                "subject": {"sex": "unknown", "ageBand": "unknown", "heightBand": "unknown", "build": "unknown"},
                "personAtRisk": {"ageBand": "unknown"}, "narrative": "",
            },
        })
        if n < 9:
            intervention = str(uuid.UUID(int=0x1E9_0000 + n)).upper()
            arrest = n < 3
            entries.append({
                "kind": "create-intervention", "recordId": intervention,
                "payload": {
                    "id": intervention, "sightingId": sighting, "occurredAt": f"2026-09-{day:02d}T22:40:00.000Z",
                    "recordedAt": f"2026-09-{day:02d}T23:00:00.000Z", "by": "PC-4127",
                    "location": {"venueId": venues[n % 4]},
                    "actions": ["stop-and-account", "arrest"] if arrest else ["engagement"],
                    "outcome": "arrested" if arrest else "advice-given", "notes": "",
                },
            })
    return entries


SEPTEMBER_2026 = _extra_month()
