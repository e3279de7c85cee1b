#!/usr/bin/env python3
"""The server's own cost: each measured request against its floor.

For every build given (`--build NAME=BINARY`, e.g. the build before a change
and the build after it), on one seeded PostgreSQL database:

1. starts `BINARY serve` as its own process on a free port;
2. captures the SQL statements the server sends for one request: PostgreSQL
   logs every statement (`log_statement = 'all'`, set with ALTER SYSTEM and
   reset right after) while one request runs; the statements and their
   parameters are read back from PostgreSQL's log;
3. writes them as a pgbench script (`:motcua_pN` variables for the
   parameters, so that pgbench's `-M prepared` sends the same prepared
   statements with bound parameters as the server does);
4. in interleaved rounds, for each request and each build: the floor
   (`pgbench -M prepared` replaying that script at the same concurrency), then
   the server (`wrk`, a separate process, at the same concurrency);
5. prints the medians and `motcua ÷ floor`, and the server's peak memory
   under 256 clients.

Writes (`receiveDossier`) are not replayed: the same statements cannot run
twice (new ids, a new dossier number); see docs/PERFORMANCE.md.

Needs: pgbench, wrk (`apt-get install -y wrk`), psql, read access to
PostgreSQL's log (`--pg-log`, Debian's by default), a superuser connection.

    docs/bench/floor.py --database-url postgres://postgres@127.0.0.1:5432/bench17 \
        --data-dir /tmp/bench17 --build before=/tmp/motcua-before --build after=/tmp/motcua-after
"""

import argparse
import glob
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

PAGE = (
    "{{ dossiers(first: {first}) {{ edges {{ node {{ code status receivedAt dueAt overdue "
    "procedure {{ code name }} agency {{ code name }} assignee {{ username displayName }} }} }} "
    "pageInfo {{ hasNextPage endCursor }} }} }}"
)
SINGLE = (
    '{ dossier(code: "CODE") { code status receivedAt dueAt overdue procedure { code name } '
    "agency { code name } events(first: 20) { edges { node { action statusFrom statusTo createdAt "
    "note fromUser { username } } } } } }"
)

# (name, user, query, clients); `CODE` is filled with a dossier of the province.
REQUESTS = [
    ("page100", "tinh.giamsat", PAGE.format(first=100), [1, 32]),
    ("commune20", "vinhthanh.motcua", PAGE.format(first=20), [32]),
    ("dossier", "tinh.giamsat", SINGLE, [1, 64]),
]

# What other tasks of an idle server send meanwhile (never part of a request).
BACKGROUND = re.compile(r"outbox|tally|pg_catalog|pg_type|LISTEN|pg_notify|pg_try_advisory|ALTER SYSTEM|pg_reload_conf")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def psql(url, *statements):
    """Runs each statement on its own (ALTER SYSTEM refuses a transaction)."""
    command = ["psql", url, "-XAtq"]
    for sql in statements:
        command += ["-c", sql]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


class Server:
    """One build's `serve`, as its own process."""

    def __init__(self, name, binary, args):
        self.name, self.binary, self.args = name, binary, args
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/graphql"
        env = dict(os.environ, MOTCUA_LISTEN=f"127.0.0.1:{self.port}", MOTCUA_NO_DEMO="true")
        self.process = subprocess.Popen(
            [binary, *args.settings, "--log", "warn", "serve"], env=env, stdout=subprocess.DEVNULL
        )
        for _ in range(600):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/readyz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise SystemExit(f"{name}: the server did not become ready")
        self.tokens = {}

    def token(self, user):
        if user not in self.tokens:
            out = subprocess.run(
                [self.binary, *self.args.settings, "--log", "error", "token", "--user", user],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            self.tokens[user] = out.strip().splitlines()[-1]
        return self.tokens[user]

    def ask(self, user, query):
        request = urllib.request.Request(
            self.url,
            data=json.dumps({"query": query}).encode(),
            headers={"content-type": "application/json", "authorization": f"Bearer {self.token(user)}"},
        )
        body = urllib.request.urlopen(request, timeout=30).read()
        answer = json.loads(body)
        if answer.get("errors"):
            raise SystemExit(f"{self.name}: {answer['errors']}")
        return body

    def rss_kib(self):
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def stop(self):
        self.process.terminate()
        self.process.wait()


LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ \S+ \[(\d+)\] (?:(\S*)@(\S*) )?(\w+):  (.*)$")
PARAM = re.compile(r"\$(\d+) = ('(?:[^']|'')*'|NULL)")


TRANSACTION = {"BEGIN", "COMMIT", "ROLLBACK"}


def captured(log_path, start, database):
    """The statements (sql, {n: value}) logged for `database` since byte `start`."""
    with open(log_path, encoding="utf-8", errors="replace") as log:
        log.seek(start)
        text = log.read()
    entries = []  # [pid, level, message]
    for line in text.splitlines():
        match = LOG_LINE.match(line)
        if match:
            pid, _user, db, level, message = match.groups()
            entries.append([pid, level, message] if db == database else None)
        elif entries and entries[-1] is not None:
            entries[-1][2] += "\n" + line.lstrip("\t")
    statements = []
    for entry in entries:
        if entry is None:
            continue
        pid, level, message = entry
        if level == "LOG":
            match = re.match(r"(?:execute [^:]+|statement): (.*)$", message, re.S)
            if match:
                statements.append([pid, match.group(1), {}])
        elif level == "DETAIL" and message.startswith("parameters:") and statements:
            statements[-1][2] = {int(n): v for n, v in PARAM.findall(message)}
    # A background task's statements, and its transaction's BEGIN and end on the same connection.
    background = set()
    for index, (pid, sql, _) in enumerate(statements):
        if BACKGROUND.search(sql):
            background.add(index)
            for step in (-1, 1):
                at = index + step
                while 0 <= at < len(statements) and statements[at][0] != pid:
                    at += step
                if 0 <= at < len(statements) and statements[at][1].strip().upper() in TRANSACTION:
                    background.add(at)
    kept = [(sql, params) for i, (_, sql, params) in enumerate(statements) if i not in background]
    dropped = [sql for i, (_, sql, _) in enumerate(statements) if i in background]
    return kept, dropped


CAPTURED_REQUESTS = 3


def capture(server, args, user, query):
    """The statements `server` sends for each request of `query`: of
    [`CAPTURED_REQUESTS`] requests in a row, those sent for every one (what
    the server reads once in a while — a token's official every few seconds —
    is not part of every request)."""
    server.ask(user, query)  # warm: prepared statements, remembered rows
    start = os.path.getsize(args.pg_log)
    psql(args.database_url, "ALTER SYSTEM SET log_statement = 'all'", "SELECT pg_reload_conf()")
    time.sleep(0.3)
    try:
        for _ in range(CAPTURED_REQUESTS):
            server.ask(user, query)
        time.sleep(0.3)
    finally:
        psql(args.database_url, "ALTER SYSTEM RESET log_statement", "SELECT pg_reload_conf()")
    database = urllib.parse.urlparse(args.database_url).path.lstrip("/")
    statements, dropped = captured(args.pg_log, start, database)
    seen = {}
    for sql, params in statements:
        # The same statement with the same values, in any order (a loader's
        # keys are a set: `IN (…)` lists them in another order each time).
        key = (sql, tuple(sorted(params.values())))
        seen.setdefault(key, [sql, params, 0])[2] += 1
    each = []
    for sql, params, count in seen.values():
        if count < CAPTURED_REQUESTS:
            dropped.append(f"(not in every request: {count} of {CAPTURED_REQUESTS}) {sql}")
        each += [(sql, params)] * (count // CAPTURED_REQUESTS)
    return each, dropped


def pgbench_script(statements, path):
    """Writes the statements as a pgbench script; returns its `-D` definitions."""
    definitions, lines = [], []
    for index, (sql, params) in enumerate(statements):
        def variable(match):
            n = int(match.group(1))
            value = params.get(n)
            if value is None or value == "NULL":
                return "NULL"
            name = f"motcua_{index}_{n}"
            definitions.append(f"{name}={value[1:-1].replace(chr(39) * 2, chr(39))}")
            return f":{name}"

        text = re.sub(r"\$(\d+)\b", variable, sql)
        lines.append(" ".join(text.split()) + ";")
    with open(path, "w") as script:
        script.write("\n".join(lines) + "\n")
    return definitions


def pgbench(args, script, definitions, clients):
    command = ["pgbench", "-n", "-M", "prepared", "-c", str(clients), "-j", str(min(clients, 2))]
    command += ["-T", str(args.duration), "-f", script]
    for definition in definitions:
        command += ["-D", definition]
    command.append(args.database_url)
    out = subprocess.run(command, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"pgbench failed: {out.stderr[-2000:]}")
    tps = float(re.search(r"tps = ([\d.]+) \(without initial connection time\)", out.stdout).group(1))
    latency = float(re.search(r"latency average = ([\d.]+) ms", out.stdout).group(1))
    return tps, latency


def wrk(server, args, user, query, clients, watch_memory=False):
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        body = json.dumps({"query": query})
        lua.write(
            'wrk.method = "POST"\n'
            f"wrk.body = {json.dumps(body)}\n"
            'wrk.headers["Content-Type"] = "application/json"\n'
            f'wrk.headers["Authorization"] = "Bearer {server.token(user)}"\n'
        )
    command = ["wrk", "-t", str(min(clients, 2)), "-c", str(clients), "-d", f"{args.duration}s", "--latency"]
    command += ["--timeout", "30s"]
    command += ["-s", lua.name, server.url]
    peak = [0]
    done = threading.Event()

    def watch():
        while not done.is_set():
            peak[0] = max(peak[0], server.rss_kib())
            time.sleep(0.2)

    watcher = threading.Thread(target=watch)
    if watch_memory:
        watcher.start()
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    done.set()
    if watch_memory:
        watcher.join()
    os.unlink(lua.name)
    if "Non-2xx" in out or "Socket errors" in out:
        raise SystemExit(f"{server.name}: wrk saw errors:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", out)
    p50_ms = float(p50.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[p50.group(2)]
    return rps, p50_ms, peak[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--build", action="append", required=True, help="NAME=BINARY")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=8, help="seconds per measurement")
    parser.add_argument("--only", help="comma-separated request names")
    parser.add_argument("--pg-log", default=(sorted(glob.glob("/var/log/postgresql/postgresql-*-main.log")) or [""])[-1])
    parser.add_argument("--memory-clients", type=int, default=256)
    args = parser.parse_args()
    args.settings = ["--data-dir", args.data_dir, "--database-url", args.database_url]
    builds = [b.split("=", 1) for b in args.build]
    requests = [r for r in REQUESTS if not args.only or r[0] in args.only.split(",")]
    servers = [Server(name, binary, args) for name, binary in builds]
    work = tempfile.mkdtemp(prefix="motcua-floor-")
    try:
        code = json.loads(servers[0].ask("tinh.giamsat", PAGE.format(first=1)))
        code = code["data"]["dossiers"]["edges"][0]["node"]["code"]
        plans = {}  # (request, build) → (query, script, definitions)
        for name, user, query, _ in requests:
            query = query.replace("CODE", code)
            answers, values = set(), []
            for server in servers:
                answers.add(server.ask(user, query))
                values.append(json.loads(server.ask(user, query)))
                statements, dropped = capture(server, args, user, query)
                script = os.path.join(work, f"{name}-{server.name}.sql")
                definitions = pgbench_script(statements, script)
                plans[(name, server.name)] = (query, script, definitions)
                print(f"# {name} on {server.name}: {len(statements)} statements a request -> {script}", flush=True)
                for sql, _ in statements:
                    print(f"#   {' '.join(sql.split())[:160]}", flush=True)
                for sql in dropped:
                    print(f"#   (background, not counted) {' '.join(sql.split())[:100]}", flush=True)
            # async-graphql writes an object's fields as they complete: the same
            # answer may list its keys in another order.
            same = "the same bytes" if len(answers) == 1 else "the same answer (keys in another order)"
            same = same if all(v == values[0] for v in values) else "DIFFERENT answers"
            print(f"# {name}: {same} from every build")
        results = {}  # (request, clients, build) → [(floor tps, rps, p50)]
        for round_ in range(args.rounds):
            for name, user, _, clients_list in requests:
                for clients in clients_list:
                    for server in servers:
                        query, script, definitions = plans[(name, server.name)]
                        floor, _ = pgbench(args, script, definitions, clients)
                        rps, p50, _ = wrk(server, args, user, query, clients)
                        results.setdefault((name, clients, server.name), []).append((floor, rps, p50))
                        print(
                            f"round {round_ + 1} {name} c={clients} {server.name}: floor {floor:.0f}/s, "
                            f"motcua {rps:.0f}/s p50 {p50:.2f} ms, ratio {rps / floor:.2f}",
                            flush=True,
                        )
        print()
        print("| request | clients | build | motcua req/s | p50 ms | floor tps | motcua ÷ floor |")
        print("|---|---|---|---|---|---|---|")
        for (name, clients, build), runs in results.items():
            floor = statistics.median(r[0] for r in runs)
            rps = statistics.median(r[1] for r in runs)
            p50 = statistics.median(r[2] for r in runs)
            ratio = statistics.median(r[1] / r[0] for r in runs)
            print(f"| {name} | {clients} | {build} | {rps:.0f} | {p50:.2f} | {floor:.0f} | {ratio:.2f} |")
        print()
        for server in servers:
            name, user, query, _ = requests[0]
            rps, p50, peak = wrk(server, args, user, plans[(name, server.name)][0], args.memory_clients, True)
            print(
                f"memory: {server.name}, {name} at {args.memory_clients} clients: {rps:.0f} req/s, "
                f"p50 {p50:.1f} ms, peak VmRSS {peak / 1024:.1f} MiB (after: {server.rss_kib() / 1024:.1f} MiB)"
            )
    finally:
        for server in servers:
            server.stop()


if __name__ == "__main__":
    sys.exit(main())
