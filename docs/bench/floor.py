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

Writes — `receiveDossier` of a new dossier at a commune's desk, and whole
lives of nine commands (receive … return) — are captured the same way, three
times over with a marker between them; a parameter whose value differs from
one capture to the next (a new id, a new dossier number, the time) is given a
fresh value on every replay: one `SELECT gen_random_uuid() …` at the head of
the script sets them (`\gset`), the only statement of the floor the server
does not send: its time alone is measured and taken off the floor's
(1 / floor = 1 / replayed - 1 / fresh values alone). The
server is driven by wrk with one connection per thread, each running the
commands in turn with the dossier id its receive answered.

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

APPLICANT = {"name": "Nguyễn Văn Bench", "idNumber": "091200000001", "phone": "0912000001", "address": "Rạch Giá"}
RECEIVE = "mutation($i: ReceiveDossierInput!) { receiveDossier(input: $i) { dossier { id code } } }"
LIFE = [  # (user, mutation, input); `DOSSIER_ID` is the dossier the first one received
    ("vinhthanh.motcua", RECEIVE, {"procedureId": "PROCEDURE_ID", "applicant": APPLICANT}),
    (
        "vinhthanh.lanhdao",
        "mutation($i: AssignDossierInput!) { assignDossier(input: $i) { dossier { version } } }",
        {"assigneeId": "SPECIALIST_ID"},
    ),
    (
        "vinhthanh.chuyenvien",
        "mutation($i: RequestSupplementInput!) { requestSupplement(input: $i) { dossier { version } } }",
        {"reason": "Thiếu", "missingDocuments": ["Tờ khai"], "daysAllowed": 5},
    ),
    (
        "vinhthanh.motcua",
        "mutation($i: SupplyDocumentsInput!) { supplyDocuments(input: $i) { dossier { version } } }",
        {},
    ),
    (
        "vinhthanh.chuyenvien",
        "mutation($i: RequestPaymentInput!) { requestPayment(input: $i) { dossier { version } } }",
        {"amount": 50000},
    ),
    (
        "vinhthanh.motcua",
        "mutation($i: ConfirmPaymentInput!) { confirmPayment(input: $i) { dossier { version } } }",
        {"method": "DIRECT"},
    ),
    (
        "vinhthanh.chuyenvien",
        "mutation($i: CompleteStepInput!) { completeStep(input: $i) { dossier { version } } }",
        {},
    ),
    (
        "vinhthanh.lanhdao",
        "mutation($i: ResolveDossierInput!) { resolveDossier(input: $i) { dossier { version } } }",
        {"resultNumber": "1/GCN"},
    ),
    (
        "vinhthanh.motcua",
        "mutation($i: ReturnResultInput!) { returnResult(input: $i) { dossier { status } } }",
        {},
    ),
]
PROCEDURE = '{ procedures(filter: { agencyCode: "30733" }, first: 1) { edges { node { id } } } }'
# (name, commands, clients)
WRITES = [("receive", LIFE[:1], [1, 64]), ("life", LIFE, [1, 32])]

# What other tasks of an idle server send meanwhile (never part of a request).
# (A command's own statement may write `dossier_tally_change` and name
# `outbox` tables; the fold and the fan-out read and delete them.) The dossier
# events' notices are published by a task of their own after the command
# answered, batched under load: not part of the request either.
BACKGROUND = re.compile(
    r"outbox_consumer|outbox_delivery|DELETE FROM dossier_tally_change|AS changes FROM|pg_catalog|pg_type|LISTEN"
    r"|pg_notify|pg_try_advisory|ALTER SYSTEM|pg_reload_conf"
)


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
        return self.post(user, json.dumps({"query": query}))

    def post(self, user, body):
        request = urllib.request.Request(
            self.url,
            data=body.encode(),
            headers={"content-type": "application/json", "authorization": f"Bearer {self.token(user)}"},
        )
        body = urllib.request.urlopen(request, timeout=30).read()
        answer = json.loads(body)
        if answer.get("errors"):
            raise SystemExit(f"{self.name}: {answer['errors']}")
        return body

    def run(self, commands):
        """Runs `commands` ((user, body) as `bodies` gives them) in turn."""
        dossier = None
        for index, (user, body) in enumerate(commands):
            answer = self.post(user, body.replace("DOSSIER_ID", dossier or ""))
            if index == 0:
                dossier = json.loads(answer)["data"]["receiveDossier"]["dossier"]["id"]

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
MARK = "SELECT 'motcua-floor-mark'"


def bodies(commands, procedure, specialist):
    """Each command's (user, JSON body); `DOSSIER_ID` stands for the id the first one answers."""
    out = []
    for index, (user, mutation, given) in enumerate(commands):
        given = {"dossierId": "DOSSIER_ID", **given} if index else given
        body = json.dumps({"query": mutation, "variables": {"i": given}}, ensure_ascii=False)
        out.append((user, body.replace("PROCEDURE_ID", procedure).replace("SPECIALIST_ID", specialist)))
    return out


def capture_writes(server, args, commands):
    """The statements `server` sends for `commands`, run [`CAPTURED_REQUESTS`]
    times with a marker statement before each run: [(sql, params, varying)],
    `varying` the parameters whose values differ from one run to another."""
    server.run(commands)  # warm
    start = os.path.getsize(args.pg_log)
    psql(args.database_url, "ALTER SYSTEM SET log_statement = 'all'", "SELECT pg_reload_conf()")
    time.sleep(0.3)
    try:
        for _ in range(CAPTURED_REQUESTS):
            psql(args.database_url, MARK)
            server.run(commands)
        time.sleep(0.3)
    finally:
        psql(args.database_url, "ALTER SYSTEM RESET log_statement", "SELECT pg_reload_conf()")
    database = urllib.parse.urlparse(args.database_url).path.lstrip("/")
    statements, dropped = captured(args.pg_log, start, database)
    runs = []
    for sql, params in statements:
        if sql.strip() == MARK:
            runs.append([])
        elif runs:
            runs[-1].append((sql, params))
    assert len(runs) == CAPTURED_REQUESTS, f"{len(runs)} markers found in the log"
    each = []
    for index, (sql, params) in enumerate(runs[0]):
        occurrence = sum(1 for other, _ in runs[0][:index] if other == sql)
        same = [[p for other, p in run if other == sql] for run in runs[1:]]
        if any(len(found) <= occurrence for found in same):
            dropped.append(f"(not in every run) {sql}")
            continue
        others = [found[occurrence] for found in same]
        varying = {n for n, value in params.items() if any(o.get(n) != value for o in others)}
        each.append((sql, params, varying))
    for run in runs[1:]:
        if len(run) != len(runs[0]):
            dropped.append(f"(a run sent {len(run)} statements, the first {len(runs[0])})")
    return each, dropped


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


UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
INTEGER = re.compile(r"^-?\d+$")
TIME = re.compile(r"^\d{4}-\d\d-\d\d[ T]\d\d:")


def fresh_value(value):
    """What gives `value` (a new id, number or code) a new value on every replay."""
    if UUID.match(value):
        return "gen_random_uuid()"
    if INTEGER.match(value):
        return f"({value}::bigint + (random() * 1e9)::bigint)"
    return f"left(repeat(md5(random()::text), {len(value) // 32 + 1}), {len(value)})"


def pgbench_script(statements, path):
    """Writes the statements ((sql, params) or (sql, params, varying)) as a
    pgbench script; returns its `-D` definitions and the head that gives the
    varying values fresh ones (None when none varies)."""
    definitions, lines, fresh = [], [], {}  # value → (variable, expression)
    for index, (sql, params, *varying) in enumerate(statements):
        varying = varying[0] if varying else set()

        def variable(match):
            n = int(match.group(1))
            value = params.get(n)
            if value is None or value == "NULL":
                return "NULL"
            value = value[1:-1].replace(chr(39) * 2, chr(39))
            if n in varying and not TIME.match(value):
                # The same value in another statement (the new dossier's id) is the same variable.
                if value not in fresh:
                    fresh[value] = (f"motcua_fresh_{len(fresh)}", fresh_value(value))
                return f":{fresh[value][0]}"
            name = f"motcua_{index}_{n}"
            definitions.append(f"{name}={value}")
            return f":{name}"

        text = " ".join(re.sub(r"\$(\d+)\b", variable, sql).split()).rstrip(";")
        parts = re.split(r";(?=(?:[^']*'[^']*')*[^']*$)\s*", text) if not params else [text]
        if len(parts) > 1:
            # Statements the server sends in one message (simple protocol):
            # one pipeline, one round trip, in pgbench's prepared mode too.
            lines += ["\\startpipeline", *(part + ";" for part in parts), "\\endpipeline"]
        else:
            lines.append(text + ";")
    head = None
    if fresh:
        head = "SELECT " + ", ".join(f"{expression} AS {name}" for name, expression in fresh.values()) + " \\gset"
        lines.insert(0, head)
    with open(path, "w") as script:
        script.write("\n".join(lines) + "\n")
    return definitions, head


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


WRITES_LUA = """
local steps = {%s}
local step, dossier = 1, nil
errors = 0
request = function()
  local command = steps[step]
  local body = command[2]
  if dossier then body = (string.gsub(body, "DOSSIER_ID", dossier)) end
  return wrk.format("POST", nil, {["Content-Type"] = "application/json", ["Authorization"] = command[1]}, body)
end
response = function(status, headers, body)
  if status ~= 200 or string.find(body, '"errors"', 1, true) then errors = errors + 1 end
  if step == 1 then dossier = string.match(body, '"id":"([^"]+)"') end
  step = step %% #steps + 1
end
local threads = {}
function setup(thread) table.insert(threads, thread) end
function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("errors") end
  io.write(string.format("graphql errors: %%d\\n", total))
end
"""


def wrk(server, args, user, query, clients, watch_memory=False, commands=None):
    """The server's throughput for `query`, or for `commands` ((user, body),
    run in turn by each connection: one connection a thread)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        if commands:
            steps = ", ".join(
                "{%s, %s}" % (json.dumps(f"Bearer {server.token(u)}"), json.dumps(body, ensure_ascii=False)) for u, body in commands
            )
            lua.write(WRITES_LUA % steps)
        else:
            body = json.dumps({"query": query})
            lua.write(
                'wrk.method = "POST"\n'
                f"wrk.body = {json.dumps(body)}\n"
                'wrk.headers["Content-Type"] = "application/json"\n'
                f'wrk.headers["Authorization"] = "Bearer {server.token(user)}"\n'
            )
    threads = clients if commands else min(clients, 2)
    command = ["wrk", "-t", str(threads), "-c", str(clients), "-d", f"{args.duration}s", "--latency"]
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
    failed = re.search(r"graphql errors: (\d+)", out)
    if "Non-2xx" in out or "Socket errors" in out or (failed and int(failed.group(1))):
        raise SystemExit(f"{server.name}: wrk saw errors:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", out)
    p50_ms = float(p50.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[p50.group(2)]
    return rps, p50_ms, peak[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="PostgreSQL; without it SQLite in --data-dir, no floor")
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--build", action="append", required=True, help="NAME=BINARY")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=8, help="seconds per measurement")
    parser.add_argument("--only", help="comma-separated request names")
    parser.add_argument("--pg-log", default=(sorted(glob.glob("/var/log/postgresql/postgresql-*-main.log")) or [""])[-1])
    parser.add_argument("--memory-clients", type=int, default=256)
    args = parser.parse_args()
    args.settings = ["--data-dir", args.data_dir]
    args.settings += ["--database-url", args.database_url] if args.database_url else []
    builds = [b.split("=", 1) for b in args.build]
    requests = [r for r in REQUESTS if not args.only or r[0] in args.only.split(",")]
    writes = [w for w in WRITES if not args.only or w[0] in args.only.split(",")]
    servers = [Server(name, binary, args) for name, binary in builds]
    work = tempfile.mkdtemp(prefix="motcua-floor-")
    try:
        code = json.loads(servers[0].ask("tinh.giamsat", PAGE.format(first=1)))
        code = code["data"]["dossiers"]["edges"][0]["node"]["code"]
        plans = {}  # (request, build) → (query, script, definitions, commands)
        heads = {}  # (request, build, clients) → the fresh values' statement alone, per second
        if writes:
            found = servers[0].ask("vinhthanh.motcua", PROCEDURE)
            procedure = json.loads(found)["data"]["procedures"]["edges"][0]["node"]["id"]
            specialist = json.loads(servers[0].ask("vinhthanh.chuyenvien", "{ me { user { id } } }"))
            specialist = specialist["data"]["me"]["user"]["id"]
        for name, commands, clients_list in writes:
            commands = bodies(commands, procedure, specialist)
            for server in servers:
                if not args.database_url:
                    plans[(name, server.name)] = (None, None, None, commands)
                    continue
                statements, dropped = capture_writes(server, args, commands)
                script = os.path.join(work, f"{name}-{server.name}.sql")
                definitions, head = pgbench_script(statements, script)
                plans[(name, server.name)] = (None, script, definitions, commands)
                print(f"# {name} on {server.name}: {len(statements)} statements -> {script}", flush=True)
                for sql, _, varying in statements:
                    fresh = f" (fresh: {sorted(varying)})" if varying else ""
                    print(f"#   {' '.join(sql.split())[:150]}{fresh}", flush=True)
                for sql in dropped:
                    print(f"#   (background, not counted) {' '.join(sql.split())[:100]}", flush=True)
                if head:
                    alone = os.path.join(work, f"{name}-{server.name}-head.sql")
                    with open(alone, "w") as file:
                        file.write(head + "\n")
                    for clients in clients_list:
                        tps, latency = pgbench(args, alone, [], clients)
                        heads[(name, server.name, clients)] = tps
                        print(
                            f"#   the fresh values alone (not sent by the server), {clients} clients: "
                            f"{tps:.0f}/s, {latency:.3f} ms",
                            flush=True,
                        )
        for name, user, query, _ in requests:
            query = query.replace("CODE", code)
            answers, values = set(), []
            for server in servers:
                answers.add(server.ask(user, query))
                values.append(json.loads(server.ask(user, query)))
                if not args.database_url:
                    plans[(name, server.name)] = (query, None, None, None)
                    continue
                statements, dropped = capture(server, args, user, query)
                script = os.path.join(work, f"{name}-{server.name}.sql")
                definitions, _ = pgbench_script(statements, script)
                plans[(name, server.name)] = (query, script, definitions, None)
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
        measured = [(name, user, clients) for name, user, _, clients in requests]
        measured += [(name, None, clients) for name, _, clients in writes]
        for round_ in range(args.rounds):
            for name, user, clients_list in measured:
                for clients in clients_list:
                    for server in servers:
                        query, script, definitions, commands = plans[(name, server.name)]
                        floor = pgbench(args, script, definitions, clients)[0] if script else float("nan")
                        head = heads.get((name, server.name, clients))
                        if head:
                            # Without the statement of fresh values (its time alone taken off).
                            floor = 1 / (1 / floor - 1 / head)
                        rps, p50, _ = wrk(server, args, user, query, clients, commands=commands)
                        # A whole life is one pgbench transaction and nine requests.
                        rps /= len(commands or [None])
                        results.setdefault((name, clients, server.name), []).append((floor, rps, p50))
                        print(
                            f"round {round_ + 1} {name} c={clients} {server.name}: floor {floor:.0f}/s, "
                            f"motcua {rps:.0f}/s p50 {p50:.2f} ms, ratio {rps / floor:.2f}",
                            flush=True,
                        )
        print()
        print("(a life: lives a second, its p50 a command's; a write's floor: its time less the fresh values' alone)")
        print("| request | clients | build | motcua req/s | p50 ms | floor tps | motcua ÷ floor |")
        print("|---|---|---|---|---|---|---|")
        for (name, clients, build), runs in results.items():
            floor = statistics.median(r[0] for r in runs)
            rps = statistics.median(r[1] for r in runs)
            p50 = statistics.median(r[2] for r in runs)
            ratio = statistics.median(r[1] / r[0] for r in runs)
            print(f"| {name} | {clients} | {build} | {rps:.0f} | {p50:.2f} | {floor:.0f} | {ratio:.2f} |")
        print()
        for server in servers[: len(servers) if requests else 0]:
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
