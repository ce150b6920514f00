#!/usr/bin/env python3
"""Makes a seeded Quell SQLite database's status page busy, for `make bench`.

Usage: seed-status-page.py DATABASE_FILE USER_ID

Takes the 50 services seed-incidents.py made, puts them in 5 groups and on the status page, gives
each 90 days of component state history (an outage every few days), makes 3 open incidents with
public updates (and internal ones, which must stay off the page) and plans 2 maintenance windows.
"""

import random
import sqlite3
import sys
from datetime import datetime, timedelta, timezone

STATES = ["degraded_performance", "partial_outage", "major_outage"]


def stamp(time: datetime) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def main() -> None:
    path, user_id = sys.argv[1], int(sys.argv[2])
    rng = random.Random(7)
    now = datetime.now(timezone.utc)
    db = sqlite3.connect(path)
    services = [row[0] for row in db.execute("select id from services order by id limit 50")]
    long_ago = stamp(now - timedelta(days=120))
    groups = []
    for n in range(5):
        groups.append(db.execute(
            "insert into services (name, description, created_at, updated_at) values (?, '', ?, ?) returning id",
            (f"Region {n}", long_ago, long_ago),
        ).fetchone()[0])
    for index, service in enumerate(services):
        db.execute(
            "update services set public = 1, parent_id = ?, description = ?, created_at = ? where id = ?",
            (groups[index % 5], f"Customer-facing service {index}", long_ago, service),
        )
    changes = []
    for service in services:
        at = now - timedelta(days=90)
        while True:
            at += timedelta(hours=rng.randint(24, 24 * 9))
            if at >= now:
                break
            changes.append((service, rng.choice(STATES), stamp(at)))
            changes.append((service, "operational", stamp(at + timedelta(minutes=rng.randint(5, 240)))))
    db.executemany("insert into component_states (service_id, state, changed_at) values (?, ?, ?)", changes)
    incidents = [row[0] for row in db.execute(
        "select id from incidents where status in ('investigating', 'identified') and not is_drill order by id desc limit 3")]
    updates = []
    for n, incident in enumerate(incidents):
        db.execute("insert or ignore into incident_services (incident_id, service_id) values (?, ?)", (incident, services[n]))
        for k in range(4):
            at = stamp(now - timedelta(minutes=60 - k * 15))
            text = f"Update {k}: we are working on the problem with service {n}."
            updates.append((incident, "investigating", 0, 1, f"Problem with service {n}", text, f"<p>{text}</p>", user_id, at))
            secret = "Internal: not for customers."
            updates.append((incident, "investigating", 1, 0, "", secret, f"<p>{secret}</p>", user_id, at))
    db.executemany(
        "insert into updates (incident_id, status, is_internal, is_public, public_title, body, body_html, author_id, published_at) "
        "values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        updates,
    )
    for n, (start, hours) in enumerate([(now + timedelta(days=2), 2), (now - timedelta(minutes=30), 24)]):
        window = db.execute(
            "insert into maintenance_windows (title, message, message_html, starts_at, ends_at, created_by, created_at, updated_at) "
            "values (?, ?, ?, ?, ?, ?, ?, ?) returning id",
            (f"Planned work {n}", "Upgrading databases.", "<p>Upgrading databases.</p>", stamp(start),
             stamp(start + timedelta(hours=hours)), user_id, stamp(now), stamp(now)),
        ).fetchone()[0]
        db.executemany("insert into maintenance_components (maintenance_id, service_id) values (?, ?)",
                       [(window, s) for s in services[10 + n * 3: 13 + n * 3]])
    db.commit()
    db.execute("analyze")
    db.close()
    print(f"status page: {len(services)} components in 5 groups, {len(changes)} state changes over 90 days, "
          f"{len(incidents)} active incidents, 2 maintenance windows")


if __name__ == "__main__":
    main()
