#!/usr/bin/python3
"""Reads an orchestrator's SQLite task store, read-only, for the end-to-end tests.

Run it only after the orchestrator has stopped. Prints one JSON object:
  {"schema_version": N,
   "tasks": {ID: {"status": int, "kind": int, "idempotency_key": str|null, "has_plan": bool,
                  "last_event_sequence": int,
                  "events": [[sequence, status], ...]}}}   (events in sequence order)
Statuses are armature.v1.TaskStatus numbers (SUCCEEDED = 5, PLANNED = 3).
The schema is libs/store/sqlite_migrations.cc (tables tasks and task_events).

Usage: inspect_task_store.py DATABASE
"""
import json
import sqlite3
import sys


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
    version = db.execute("PRAGMA user_version").fetchone()[0]
    tasks = {}
    for task_id, status, kind, key, has_plan, last in db.execute(
            "SELECT id, status, kind, idempotency_key, plan IS NOT NULL, last_event_sequence "
            "FROM tasks ORDER BY seq"):
        tasks[task_id] = {"status": status, "kind": kind, "idempotency_key": key,
                          "has_plan": bool(has_plan), "last_event_sequence": last, "events": []}
    for task_id, sequence, status in db.execute(
            "SELECT task_id, sequence, status FROM task_events ORDER BY task_id, sequence"):
        tasks.setdefault(task_id, {"status": None, "events": []})["events"].append(
            [sequence, status])
    print(json.dumps({"schema_version": version, "tasks": tasks}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
