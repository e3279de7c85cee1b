#!/usr/bin/env python3
"""Writes a large dossiers file to try `motcua import dossiers` on (docs/IMPORT.md).

    python3 docs/examples/make-dossiers.py DATA_DIR/motcua.db 1000000 > dossiers.csv

Reads the units and procedure versions of a motcua SQLite database (the demo
that `motcua serve` creates; a PostgreSQL database loaded alike has the same)
and writes COUNT dossiers over the year after the 2025 reorganisation
(2025-07-01 to 2026-06-30) at the units open today — each unit's own tier of
procedures, every channel, mostly finished (returned, resolved, withdrawn,
refused, stopped) and a few still in flight — in the import's CSV columns.
Deterministic: the same COUNT writes the same file. Codes take daily
sequences from 10000 up, so that they meet no code the demo's own generator
gave.
"""

import csv
import random
import sqlite3
import sys
from datetime import date, datetime, timedelta

TIER_OF = {"COMMUNE": "COMMUNE", "DISTRICT": "DISTRICT", "DEPARTMENT": "PROVINCE"}
FIRST, LAST = date(2025, 7, 1), date(2026, 6, 30)
SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Phan", "Trương", "Bùi", "Đặng"]
GIVEN = ["Văn An", "Thị Bình", "Minh Châu", "Thị Dung", "Quốc Hùng", "Thị Lan", "Hữu Phúc", "Ngọc Trâm"]
COLUMNS = [
    "code", "agency", "procedure", "channel", "status", "applicantName", "applicantIdNumber",
    "applicantPhone", "applicantAddress", "filedAt", "receivedAt", "pausedAt", "finishedAt",
    "returnedAt",
]


def places(db):
    units = db.execute(
        "SELECT code, kind, name FROM agency WHERE valid_to IS NULL AND valid_from <= ? "
        "AND kind IN ('COMMUNE','DISTRICT','DEPARTMENT')",
        (FIRST.isoformat(),),
    ).fetchall()
    codes = {}
    published = "SELECT DISTINCT code, tier FROM procedure WHERE status = 'PUBLISHED' AND effective_to IS NULL"
    for code, tier in db.execute(published):
        codes.setdefault(tier, []).append(code)
    return [(code, name, sorted(codes[TIER_OF[kind]])) for code, kind, name in units if codes.get(TIER_OF[kind])]


def working_days():
    day, days = FIRST, []
    while day <= LAST:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def life(rng, received):
    """The status and the moments after receipt."""
    roll = rng.random()
    finished = received + timedelta(hours=rng.randint(2, 24 * 12))
    if roll < 0.02:
        return "PROCESSING", "", "", ""
    if roll < 0.03:
        return "SUPPLEMENT_REQUESTED", stamp(received + timedelta(hours=3)), "", ""
    if roll < 0.05:
        return "WITHDRAWN", "", stamp(finished), ""
    if roll < 0.06:
        return "STOPPED", "", stamp(finished), ""
    if roll < 0.30:
        return "RESOLVED", "", stamp(finished), ""
    return "RETURNED", "", stamp(finished), stamp(finished + timedelta(hours=rng.randint(1, 48)))


def stamp(at):
    return at.strftime("%Y-%m-%d %H:%M")


def main():
    db, count = sqlite3.connect(sys.argv[1]), int(sys.argv[2])
    rng = random.Random(20250701)
    units, days = places(db), working_days()
    sequences = {}
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(COLUMNS)
    for _ in range(count):
        code, name, procedures = units[rng.randrange(len(units))]
        day = days[rng.randrange(len(days))]
        number = sequences.get((code, day), 9999) + 1
        sequences[(code, day)] = number
        filed = datetime(day.year, day.month, day.day, rng.randint(7, 16), rng.randrange(60))
        channel = rng.choice(["ONLINE", "ONLINE", "DIRECT", "DIRECT", "DIRECT", "POSTAL"])
        received = filed + timedelta(minutes=rng.randint(5, 600)) if channel == "ONLINE" else filed
        if channel == "ONLINE" and rng.random() < 0.02:
            status, paused, finished, returned, received_at = "REFUSED", "", stamp(received), "", ""
        else:
            (status, paused, finished, returned), received_at = life(rng, received), stamp(received)
        applicant = f"{rng.choice(SURNAMES)} {rng.choice(GIVEN)}"
        out.writerow([
            f"{code}-{day.strftime('%y%m%d')}-{number}", code, rng.choice(procedures), channel, status, applicant,
            f"0{rng.randrange(10**10, 10**11)}", f"09{rng.randrange(10**7, 10**8)}", f"{rng.randint(1, 300)} đường 3/2, {name}",
            stamp(filed), received_at, paused, finished, returned,
        ])


if __name__ == "__main__":
    main()
