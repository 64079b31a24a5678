#!/usr/bin/env python3
"""Writes the invented StreetSafe fixtures: fixtures/streetsafe.csv (300 reports) and fixtures/streetsafe.json (40).

Reports fall on the streets around the fixtures' venues (fixtures/venues.json), on nights from September to
November 2026, with reasons from the fixed list. The CSV carries a free-text 'description' column, which the
import drops. A fixed seed: running it again writes the same files.
"""
import csv
import json
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

root = Path(__file__).resolve().parent.parent
venues = json.loads((root / "fixtures/venues.json").read_text())["venues"]
rng = random.Random(20261206)
reasons = ["poor-lighting", "isolated-area", "being-followed", "verbal-harassment", "intimidating-group", "other"]
weights = [5, 3, 4, 4, 3, 1]
descriptions = ["", "", "Walking back to the station", "Street lights out", "Group outside the takeaway", "Felt uneasy"]
# Busier in the city centre than the towns around it.
venue_weights = [6 if v["area"].startswith("Liverpool") else 2 for v in venues]
start = datetime(2026, 9, 1, tzinfo=timezone.utc)


def report():
    venue = rng.choices(venues, venue_weights)[0]
    # Within about 300 m of the venue, on a night out (19:00 to 04:00 UK time, roughly).
    latitude = venue["latitude"] + rng.uniform(-0.0027, 0.0027)
    longitude = venue["longitude"] + rng.uniform(-0.0045, 0.0045)
    night = start + timedelta(days=rng.randrange(0, 91))
    time = night + timedelta(hours=18 + rng.randrange(0, 10), minutes=rng.randrange(0, 60))
    count = rng.choices([1, 2, 3], [6, 3, 1])[0]
    chosen = sorted(set(rng.choices(reasons, weights, k=count)), key=reasons.index)
    return {
        "time": time.strftime("%Y-%m-%dT%H:%M:00Z"),
        "latitude": round(latitude, 6),
        "longitude": round(longitude, 6),
        "reasons": chosen,
    }


rows = [report() for _ in range(300)]
# Around the month boundaries in Europe/London: 30 September 23:30 UTC is 1 October 00:30 BST (October);
# 31 October 23:30 UTC is 31 October 23:30 GMT (October); 30 November 23:59 UTC is still November.
rows += [
    {"time": "2026-09-30T23:30:00Z", "latitude": 53.4031, "longitude": -2.9795, "reasons": ["being-followed"]},
    {"time": "2026-10-31T23:30:00Z", "latitude": 53.4031, "longitude": -2.9795, "reasons": ["poor-lighting"]},
]
rows.sort(key=lambda r: r["time"])
with open(root / "fixtures/streetsafe.csv", "w", newline="") as out:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["time", "latitude", "longitude", "reasons", "description"])
    for row in rows:
        writer.writerow(
            [row["time"], row["latitude"], row["longitude"], ";".join(row["reasons"]), rng.choice(descriptions)]
        )
extra = sorted((report() for _ in range(40)), key=lambda r: r["time"])
(root / "fixtures/streetsafe.json").write_text(json.dumps({"reports": extra}, indent=2) + "\n")
