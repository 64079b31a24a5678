"""An independent reckoning of the public figures, from the store's records (a supervisor's search) and the
StreetSafe fixture files, for the browser tests to compare the page with. Written from the rules as documented
(Sources/Models/PublicFigures), not from the Swift code."""
import csv
import json
import math
from collections import defaultdict
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from empower_server import FIXTURES

LONDON = ZoneInfo("Europe/London")
ACTIONS = ["engagement", "stop-and-account", "intelligence-checks", "stop-and-search", "dispersal-direction", "arrest",
           "intelligence-submission", "safeguarding", "refusal-of-entry", "ejection", "ask-for-angela",
           "reunited-with-friends", "taxi-or-escort", "drink-test", "cctv-preserved", "radio-link-alert",
           "police-called"]
OUTCOMES = ["no-further-action", "advice-given", "dispersed", "arrested", "wanted-or-breach", "crime-recorded",
            "person-safeguarded", "intelligence-submitted", "subject-left", "not-located"]
REASONS = ["poor-lighting", "isolated-area", "being-followed", "verbal-harassment", "intimidating-group", "other"]
# The groups whose parts add up to a published total.
GROUPS = [("interventions", "interventions-by-outcome"), ("streetsafe-reports", "streetsafe-by-area")]


def month_of(text):
    time = datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(LONDON)
    return f"{time.year:04d}-{time.month:02d}"


def cell_centre(latitude, longitude):
    step = 0.0009
    centre_lat = (math.floor(latitude / step) + 0.5) * step
    lon_step = step / max(math.cos(math.radians(centre_lat)), 0.01)
    centre_lon = (math.floor(longitude / lon_step) + 0.5) * lon_step
    return round(centre_lat, 5), round(centre_lon, 5)


def area_of(latitude, longitude, venues):
    best = None
    for venue in venues:
        x = (venue["longitude"] - longitude) * math.cos(math.radians((latitude + venue["latitude"]) / 2))
        y = venue["latitude"] - latitude
        distance = math.hypot(x, y) * 111_195
        if distance <= 2000 and (best is None or distance < best[0]):
            best = (distance, venue["area"])
    return best[1] if best else "Elsewhere"


def streetsafe_reports():
    reports = []
    with open(FIXTURES / "streetsafe.csv", newline="") as source:
        for row in csv.DictReader(source):
            reports.append((row["time"], float(row["latitude"]), float(row["longitude"]), row["reasons"].split(";")))
    for item in json.loads((FIXTURES / "streetsafe.json").read_text())["reports"]:
        reports.append((item["time"], item["latitude"], item["longitude"], item["reasons"]))
    return reports


def raw_counts(records):
    """{(month, measure, category): count} before anything is hidden."""
    venues = json.loads((FIXTURES / "venues.json").read_text())["venues"]
    counts = defaultdict(int)
    taking_part = defaultdict(set)
    for record in records:
        if record.get("redaction"):
            continue
        current = record.get("current") or record["original"]
        kind = current["type"]
        body = current.get("record")
        if kind not in ("sighting", "intervention") or body is None:
            continue
        month = month_of(body["occurredAt"])
        venue = body.get("location", {}).get("venueId")
        if venue:
            taking_part[month].add(venue)
        if kind == "sighting":
            counts[(month, "sightings", "")] += 1
        else:
            counts[(month, "interventions", "")] += 1
            for action in set(body["actions"]):
                counts[(month, "interventions-by-action", action)] += 1
            counts[(month, "interventions-by-outcome", body["outcome"])] += 1
    for month, ids in taking_part.items():
        counts[(month, "venues-taking-part", "")] = len(ids)
    for time, latitude, longitude, reasons in streetsafe_reports():
        month = month_of(time)
        counts[(month, "streetsafe-reports", "")] += 1
        for reason in set(reasons):
            counts[(month, "streetsafe-by-reason", reason)] += 1
        counts[(month, "streetsafe-by-area", area_of(*cell_centre(latitude, longitude), venues))] += 1
    areas = sorted({venue["area"] for venue in venues}) + ["Elsewhere"]
    return counts, areas


def categories(areas):
    return {
        "sightings": [""], "interventions": [""], "interventions-by-action": ACTIONS,
        "interventions-by-outcome": OUTCOMES, "venues-taking-part": [""], "streetsafe-reports": [""],
        "streetsafe-by-reason": REASONS, "streetsafe-by-area": areas,
    }


def expected_cells(records, threshold=5):
    """{(month, measure, category): text as published}, with the documented suppression applied."""
    counts, areas = raw_counts(records)
    keys = sorted({key[0] for key in counts})
    first, last = keys[0], keys[-1]
    months = []
    year, month = map(int, first.split("-"))
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    hidden_text = f"fewer than {threshold}"
    cells = {}
    for month in months:
        values = {(measure, category): counts.get((month, measure, category), 0)
                  for measure, names in categories(areas).items() for category in names}
        hidden = {key for key, value in values.items() if value < threshold}
        for total, parts in GROUPS:
            members = [(parts, category) for category in categories(areas)[parts]]
            hidden_members = [key for key in members if key in hidden]
            if (total, "") not in hidden and len(hidden_members) == 1:
                shown = [key for key in members if key not in hidden]
                hidden.add(min(shown, key=lambda key: values[key]))
        for (measure, category), value in values.items():
            cells[(month, measure, category)] = hidden_text if (measure, category) in hidden else str(value)
    return cells, counts
