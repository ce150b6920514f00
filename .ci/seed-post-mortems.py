#!/usr/bin/env python3
"""Adds post-mortems and action items to a Quell SQLite database seeded by seed-incidents.py,
for `make bench`.

Usage: seed-post-mortems.py DATABASE_FILE USER_ID POST_MORTEMS ACTION_ITEMS

Post-mortems go to the newest ended incidents, each with the default template's seven
sections. Action items are spread over those incidents and over 50 owners; USER_ID owns one
in 50 of them. Deadlines spread a year either side of today, statuses mostly done, so about a
third of the unfinished items are overdue.
"""

import random
import sqlite3
import sys
from datetime import date, datetime, timedelta, timezone

HEADINGS = ["Summary", "Impact", "Timeline", "Root cause", "Detection", "Response", "Lessons learned"]
STATUSES = ["open", "in_progress", "done", "wont_do"]
WEIGHTS = [25, 10, 60, 5]


def stamp(time: datetime) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def main() -> None:
    path, user_id, post_mortems, items = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    rng = random.Random(7)
    db = sqlite3.connect(path)
    db.execute("pragma journal_mode = wal")
    db.execute("pragma synchronous = off")
    now = datetime.now(timezone.utc)
    db.executemany(
        "insert into users (email, display_name, role, password_hash, created_at, updated_at) values (?, ?, 'responder', 'x', ?, ?)",
        [(f"owner{n}@example.com", f"Owner {n}", stamp(now), stamp(now)) for n in range(49)],
    )
    owners = [row[0] for row in db.execute("select id from users where id <> ? order by id", (user_id,))][:49] + [user_id]
    incidents = [row[0] for row in db.execute(
        "select id from incidents where status in ('resolved', 'closed') order by id desc limit ?", (post_mortems,))]
    first = (db.execute("select coalesce(max(id), 0) from post_mortems").fetchone()[0]) + 1
    words = ["connection pool", "deploy", "cache", "certificate", "queue", "database failover", "rate limit", "DNS"]

    def post_mortem_rows():
        for n, incident in enumerate(incidents):
            text = f"Summary\nThe {rng.choice(words)} failed.\n\nRoot cause\nA {rng.choice(words)} limit was reached."
            status = rng.choices(["draft", "in_review", "published"], [20, 10, 70])[0]
            yield (incident, rng.choice(owners), status, text, stamp(now) if status == "published" else None, user_id,
                   stamp(now - timedelta(minutes=post_mortems - n)), stamp(now))

    db.executemany(
        "insert into post_mortems (incident_id, owner_id, status, search_text, published_at, created_by, created_at, updated_at) "
        "values (?, ?, ?, ?, ?, ?, ?, ?)",
        post_mortem_rows(),
    )
    ids = list(range(first, first + len(incidents)))

    def section_rows():
        for pm in ids:
            for position, heading in enumerate(HEADINGS, start=1):
                body = f"Seeded {heading.lower()} of post-mortem {pm}."
                yield (pm, position, heading, body, f"<p>{body}</p>", stamp(now))

    db.executemany(
        "insert into post_mortem_sections (post_mortem_id, position, heading, body, body_html, updated_at) values (?, ?, ?, ?, ?, ?)",
        section_rows(),
    )
    today = date.today()

    def item_rows():
        for n in range(items):
            k = rng.randrange(len(ids))
            status = rng.choices(STATUSES, WEIGHTS)[0]
            owner = user_id if n % 50 == 0 else rng.choice(owners[:-1])
            due = today + timedelta(days=rng.randint(-365, 365))
            yield (incidents[k], ids[k], f"Follow-up {n}: fix the {rng.choice(words)}", owner, due.isoformat(),
                   f"p{rng.randint(0, 3)}", status, "Not worth it" if status == "wont_do" else "", user_id, stamp(now), stamp(now))

    db.executemany(
        "insert into action_items (incident_id, post_mortem_id, title, owner_id, due_on, priority, status, wont_do_reason, "
        "created_by, created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        item_rows(),
    )
    db.commit()
    db.execute("analyze")
    overdue = db.execute(
        "select count(*) from action_items where status in ('open', 'in_progress') and due_on < ?", (today.isoformat(),)).fetchone()[0]
    mine = db.execute("select count(*) from action_items where owner_id = ? and status in ('open', 'in_progress')", (user_id,)).fetchone()[0]
    db.close()
    print(f"seeded {len(ids)} post-mortems and {items} action items ({overdue} overdue; user {user_id} owns {mine} unfinished)")


if __name__ == "__main__":
    main()
