#!/usr/bin/env python3
"""Fills a migrated Quell SQLite database with incidents and timeline events for `make bench`.

Usage: seed-incidents.py DATABASE_FILE USER_ID INCIDENTS EVENTS

Incidents get random severities, statuses, services and commanders; events are spread over the
incidents (the first incident gets exactly 20, the rest share the remainder). Times are written
the way the application writes them (RFC 3339, UTC).
"""

import random
import sqlite3
import sys
from datetime import datetime, timedelta, timezone

STATUSES = ["triage", "investigating", "identified", "monitoring", "resolved", "closed", "declined"]
WEIGHTS = [2, 2, 1, 1, 10, 80, 4]


def stamp(time: datetime) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def main() -> None:
    path, user_id, incidents, events = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    rng = random.Random(42)
    db = sqlite3.connect(path)
    db.execute("pragma journal_mode = wal")
    db.execute("pragma synchronous = off")
    severities = [row[0] for row in db.execute("select id from severities order by rank")]
    commander = db.execute("select id from role_types where is_commander").fetchone()[0]
    db.executemany(
        "insert into services (name, description, created_at, updated_at) values (?, '', ?, ?)",
        [(f"Service {n}", stamp(datetime.now(timezone.utc)), stamp(datetime.now(timezone.utc))) for n in range(50)],
    )
    services = [row[0] for row in db.execute("select id from services")]
    start = datetime.now(timezone.utc) - timedelta(days=3 * 365)
    step = timedelta(days=3 * 365) / max(incidents, 1)
    first_id = (db.execute("select coalesce(max(id), 0) from incidents").fetchone()[0]) + 1

    def incident_rows():
        for n in range(incidents):
            declared = start + step * n
            status = rng.choices(STATUSES, WEIGHTS)[0]
            ended = status in ("resolved", "closed", "declined")
            resolved = stamp(declared + timedelta(minutes=rng.randint(10, 600))) if ended else None
            yield (
                f"Incident {n}: {rng.choice(['API errors', 'Slow checkout', 'Login failures', 'Queue backlog', 'Disk full'])}",
                f"Seeded incident number {n} for benchmarking.",
                status,
                rng.choice(severities),
                0,
                stamp(declared),
                stamp(declared),
                stamp(declared + timedelta(minutes=3)) if status != "triage" else None,
                resolved,
                resolved,
                stamp(declared + timedelta(days=1)) if status == "closed" else None,
                user_id,
                stamp(declared),
                stamp(declared),
            )

    db.executemany(
        "insert into incidents (title, summary, status, severity_id, is_drill, started_at, detected_at, "
        "acknowledged_at, mitigated_at, resolved_at, closed_at, declared_by, declared_at, updated_at) "
        "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        incident_rows(),
    )
    ids = range(first_id, first_id + incidents)
    db.executemany(
        "insert into incident_services (incident_id, service_id) values (?, ?)",
        ((i, rng.choice(services)) for i in ids),
    )
    db.executemany(
        "insert into role_assignments (incident_id, role_type_id, user_id, assigned_by, assigned_at) values (?, ?, ?, ?, ?)",
        ((i, commander, user_id, user_id, stamp(start)) for i in ids),
    )

    def event_rows():
        for n in range(events):
            incident = first_id if n < 20 else first_id + rng.randrange(incidents)
            at = stamp(start + timedelta(seconds=n))
            body = f"Seeded note {n}: checked the dashboards and rolled back the deploy."
            yield (incident, "note", body, f"<p>{body}</p>", at, at, user_id)

    db.executemany(
        "insert into timeline_events (incident_id, kind, body, body_html, occurred_at, recorded_at, actor_id) "
        "values (?, ?, ?, ?, ?, ?, ?)",
        event_rows(),
    )
    db.commit()
    db.execute("analyze")
    db.close()
    print(f"seeded {incidents} incidents and {events} timeline events; incident {first_id} has 20 events")


if __name__ == "__main__":
    main()
