"""Adds stored events to every location's Durable Object file of a stopped
local Worker (wrangler's --persist-to directory), for the console benchmark.

Each location's file already holds one event a real lead left there: its row is
the template, so the copies have the schema, record and payload the Worker
itself writes. The copies get their own keys, times spread over the last hours
and a mix of outcomes. Usage: seed-events.py STATE_DIR PER_LOCATION SPAN_HOURS
"""
import glob
import json
import random
import sqlite3
import sys
import time

# The outcomes of a busy location's day, about: most done, some retried first.
MIX = [("done", 1, 85), ("done", 2, 7), ("ignored", 1, 5), ("parked", 3, 3)]


def outcome(rng):
    pick = rng.uniform(0, sum(w for _, _, w in MIX))
    for status, attempts, weight in MIX:
        if pick < weight:
            return status, attempts
        pick -= weight
    return MIX[0][0], MIX[0][1]


def seed(path, count, span_ms, now_ms, rng):
    db = sqlite3.connect(path)
    row = db.execute("SELECT source_id, record, payload FROM events LIMIT 1").fetchone()
    if row is None:
        db.close()
        return None
    source_id, record_text, payload = row
    template = json.loads(record_text)
    # Files written since the summary columns exist repeat these two of the record.
    columns = {c[1] for c in db.execute("PRAGMA table_info(events)")}
    summary = "ghl_calls" in columns
    rows = []
    for i in range(count):
        status, attempts = outcome(rng)
        at = now_ms - rng.randrange(span_ms)
        record = dict(template, key=f"seed-{i:06d}", eventId=f"seed-{i:06d}", status=status,
                      attempts=attempts, receivedAtMs=at, updatedAtMs=at + 900,
                      ghlCalls=0 if status == "ignored" else 2 * attempts)
        row = (record["key"], source_id, status, at, at + 900, json.dumps(record), payload)
        rows.append(row + ((attempts, record["ghlCalls"]) if summary else ()))
    names = "key, source_id, status, received_at_ms, updated_at_ms, record, payload"
    names += ", attempts, ghl_calls" if summary else ""
    marks = ", ".join("?" * len(rows[0])) if rows else ""
    db.executemany(f"INSERT OR REPLACE INTO events ({names}) VALUES ({marks})", rows)
    db.commit()
    db.close()
    return source_id


def main():
    state_dir, per_location, span_hours = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    rng = random.Random(14)
    now_ms = int(time.time() * 1000)
    seeded = []
    for path in sorted(glob.glob(f"{state_dir}/**/*.sqlite", recursive=True)):
        try:
            source = seed(path, per_location, int(span_hours * 3_600_000), now_ms, rng)
        except sqlite3.OperationalError:
            continue  # not a location's file (no events table)
        if source:
            seeded.append(source)
    print(json.dumps({"files": len(seeded), "sources": seeded}))


main()
