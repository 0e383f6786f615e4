#!/usr/bin/python3
"""Armature's service benchmarks: every scenario against a bare gRPC echo in the same run.

Starts each server on port 0 (reading its {"event":"listening",...} line), and for every
scenario interleaves runs of the echo baseline and the scenario, repeated (median of at
least 3):
  - saturation throughput, closed loop: h2load with pre-encoded gRPC frames (raw throughput)
    and bench/loadgen (gRPC client, every status checked);
  - p50/p99 latency at half of the scenario's saturation, open loop (bench/loadgen, Poisson
    arrivals, latency from the intended send time), echo at the same rate (both lower when
    the client or the machine cannot keep that schedule);
  - server CPU-seconds per request (utime+stime of /proc/PID/stat over the window);
  - peak RSS (VmHWM of /proc/PID/status);
then idle RSS of each service and its RSS over a longer run (memory flatness), checks the
targets of issue 7 and writes bench/results/latest.{md,json}.

Standard library only; every knob is an environment variable (docs/benchmarks.md):
  BUILD_DIR (build)  BENCH_SECONDS (3)  BENCH_WARMUP_SECONDS (0.5)  BENCH_REPEATS (3)
  BENCH_CONCURRENCY (64)  BENCH_CHANNELS (4)  BENCH_MEMORY_SECONDS (60)
  BENCH_IDLE_SECONDS (2)  BENCH_SCENARIOS (all)  BENCH_PARTS (micro,scenarios,idle,memory)
  BENCH_H2LOAD (1)  BENCH_PIN (0)  BENCH_ECHO_PAYLOAD_BYTES (64)  BENCH_OUT (bench/results)
  BENCH_ORCHESTRATOR_BIN  BENCH_KEEP_LOGS (0)  BENCH_STRICT (0)
"""

import base64
import datetime
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# --------------------------------------------------------------------------- configuration


def env_float(name, default):
    value = os.environ.get(name, "")
    try:
        return float(value) if value != "" else default
    except ValueError:
        sys.exit(f"run_bench: {name}={value!r} is not a number")


def env_int(name, default):
    return int(env_float(name, default))


class Config:
    def __init__(self):
        build = os.environ.get("BUILD_DIR", "build")
        self.build_dir = build if os.path.isabs(build) else os.path.join(REPO, build)
        self.seconds = env_float("BENCH_SECONDS", 3)
        self.warmup = env_float("BENCH_WARMUP_SECONDS", 0.5)
        self.repeats = max(1, env_int("BENCH_REPEATS", 3))
        self.concurrency = max(1, env_int("BENCH_CONCURRENCY", 64))
        self.channels = max(1, env_int("BENCH_CHANNELS", 4))
        self.memory_seconds = env_float("BENCH_MEMORY_SECONDS", 60)
        self.idle_seconds = env_float("BENCH_IDLE_SECONDS", 2)
        self.scenarios = [s for s in os.environ.get("BENCH_SCENARIOS", "").split(",") if s]
        self.use_h2load = os.environ.get("BENCH_H2LOAD", "1") != "0"
        self.parts = set(p for p in os.environ.get(
            "BENCH_PARTS", "micro,scenarios,idle,memory").split(",") if p)
        unknown = self.parts - {"micro", "scenarios", "idle", "memory"}
        if unknown:
            sys.exit(f"run_bench: BENCH_PARTS: unknown {sorted(unknown)}; known: micro, "
                     f"scenarios, idle, memory")
        self.pin = os.environ.get("BENCH_PIN", "0") == "1"
        self.echo_payload_bytes = max(0, env_int("BENCH_ECHO_PAYLOAD_BYTES", 64))
        out = os.environ.get("BENCH_OUT", os.path.join("bench", "results"))
        self.out_dir = out if os.path.isabs(out) else os.path.join(REPO, out)
        self.orchestrator_bin = os.environ.get(
            "BENCH_ORCHESTRATOR_BIN",
            os.path.join(self.build_dir, "services/orchestrator/armature-orchestrator"))
        self.keep_logs = os.environ.get("BENCH_KEEP_LOGS", "0") == "1"
        self.strict = os.environ.get("BENCH_STRICT", "0") == "1"
        self.h2load = shutil.which("h2load") if self.use_h2load else None

    def binary(self, relative):
        return os.path.join(self.build_dir, relative)

    def as_dict(self):
        return {
            "build_dir": self.build_dir, "seconds": self.seconds, "warmup_seconds": self.warmup,
            "repeats": self.repeats, "concurrency": self.concurrency, "channels": self.channels,
            "memory_seconds": self.memory_seconds, "idle_seconds": self.idle_seconds,
            "scenarios": self.scenarios or "all", "parts": sorted(self.parts),
            "h2load": self.h2load or "not used",
            "pin": self.pin, "echo_payload_bytes": self.echo_payload_bytes,
        }


# ------------------------------------------------------------------------------- scenarios

# A short production brief for SubmitTask: two downstream calls (plan, then manifest) without
# making the manifest build dominate the end-to-end cost.
SHORT_TREATMENT = (
    "# Ship videos faster\n\n"
    "## Scene 1 \u2014 The problem (6s)\n"
    "Narration: Most teams spend hours every week cutting the same kind of clip by hand.\n"
    "Visual: Maya at her desk with a coffee mug, soft morning light\n\n"
    "## Scene 2 \u2014 The fix\n"
    "Narration: The assistant finds the best moments and suggests captions automatically.\n"
    "Chart: Hours saved \u2014 Q1: 10, Q2: 14, Q3: 21, Q4: 30\n\n"
    "## Scene 3 \u2014 Call to action\n"
    "Narration: Try it today and sign up for free.\n")

# Server kinds. Arguments may name other servers' addresses ({planner_nocache}) and the
# group's scratch directory ({tmp}); `needs` are started first.
SERVERS = {
    "echo": {"binary": "bench/echo_server", "args": []},
    "planner": {
        "binary": "services/planner_arm/armature-planner-arm",
        "args": ["--metrics_listen=127.0.0.1:0"],
    },
    # The built-in engine on every call: a fixed request would otherwise always hit the cache.
    "planner_nocache": {
        "binary": "services/planner_arm/armature-planner-arm",
        "args": ["--metrics_listen=127.0.0.1:0", "--plan_cache_size=0"],
    },
    "manifest": {
        "binary": "services/manifest/armature-manifest",
        "args": ["--metrics_listen=127.0.0.1:0"],
    },
    "orchestrator": {
        "binary": None,  # Config.orchestrator_bin
        "args": ["--metrics_listen=127.0.0.1:0", "--planner_target={planner_nocache}",
                 "--manifest_target={manifest}", "--store=sqlite://{tmp}/orchestrator.db"],
        "needs": ["planner_nocache", "manifest"],
    },
    # Breaker, retries and deadlines off (the flag comes with the orchestrator issue).
    "orchestrator_noresilience": {
        "binary": None,
        "args": ["--metrics_listen=127.0.0.1:0", "--planner_target={planner_nocache}",
                 "--manifest_target={manifest}",
                 "--store=sqlite://{tmp}/orchestrator_noresilience.db", "--resilience=off"],
        "needs": ["planner_nocache", "manifest"],
    },
    # Commits without fsync (the store URL's opt-in synchronous=normal): what durability costs.
    "orchestrator_normal": {
        "binary": None,
        "args": ["--metrics_listen=127.0.0.1:0", "--planner_target={planner_nocache}",
                 "--manifest_target={manifest}",
                 "--store=sqlite://{tmp}/orchestrator_normal.db?synchronous=normal"],
        "needs": ["planner_nocache", "manifest"],
    },
}

ECHO_METHOD = "/armature.bench.v1.EchoService/Echo"

# Scenarios in run order. `group`: scenarios measured in the same interleaved rounds (with
# echo). `targets`: what issue 7 asks of them. `request` is proto3 JSON (a callable gets the
# fixtures). `expect`: a response field every OK answer must also hold (loadgen --expect).
SCENARIOS = [
    {
        "id": "getcap", "label": "ArmInfo.GetCapabilities (planner arm)", "group": "getcap",
        "server": "planner", "method": "/armature.v1.ArmInfo/GetCapabilities", "request": {},
        "targets": {"throughput_ratio_min": 0.90},
    },
    {
        "id": "plan", "label": "PlannerArm.Plan (built-in, cache off)", "group": "plan",
        "server": "planner_nocache", "method": "/armature.v1.PlannerArm/Plan",
        "request": {"goal": "Build and deploy a REST API with tests",
                    "constraints": ["Python only", "finish within 2 hours"]},
        "targets": {"throughput_ratio_min": 0.60},
    },
    {
        "id": "manifest", "label": "ManifestService.BuildManifest (2,000 words)",
        "group": "manifest", "server": "manifest",
        "method": "/armature.v1.ManifestService/BuildManifest",
        "request": lambda fx: {"treatment": fx["treatment_2000w"]["text"],
                               "hints": {"durationSeconds": 180}},
        "targets": {"throughput_ratio_min": 0.25},
    },
    {
        "id": "submit", "label": "Orchestrator.SubmitTask (wait, end to end)", "group": "submit",
        "server": "orchestrator", "method": "/armature.v1.Orchestrator/SubmitTask",
        "request": {"kind": "PRODUCTION", "text": SHORT_TREATMENT, "wait": True,
                    "deadlineSeconds": 30},
        "expect": "task.status=SUCCEEDED",
        "targets": {"throughput_ratio_min": 0.20, "p50_ratio_max": 4.0},
    },
    {
        "id": "submit_noresilience",
        "label": "Orchestrator.SubmitTask (wait, resilience off)", "group": "submit",
        "server": "orchestrator_noresilience", "method": "/armature.v1.Orchestrator/SubmitTask",
        "request": {"kind": "PRODUCTION", "text": SHORT_TREATMENT, "wait": True,
                    "deadlineSeconds": 30},
        "expect": "task.status=SUCCEEDED",
        # Resilience (scenario "submit") may cost at most 3% of this scenario's throughput.
        "targets": {"resilience_cost_max": 0.03, "resilience_on": "submit"},
    },
    {
        # No target: shows how much of "submit" is the fsync of its durable commits.
        "id": "submit_normal",
        "label": "Orchestrator.SubmitTask (wait, synchronous=normal)", "group": "submit",
        "server": "orchestrator_normal", "method": "/armature.v1.Orchestrator/SubmitTask",
        "request": {"kind": "PRODUCTION", "text": SHORT_TREATMENT, "wait": True,
                    "deadlineSeconds": 30},
        "expect": "task.status=SUCCEEDED",
    },
]

# Memory flatness: one long run per service kind, on its heaviest scenario.
MEMORY_RUNS = [
    {"service": "echo", "server": "echo", "scenario": None},
    {"service": "planner arm", "server": "planner_nocache", "scenario": "plan"},
    {"service": "manifest", "server": "manifest", "scenario": "manifest"},
    {"service": "orchestrator", "server": "orchestrator", "scenario": "submit"},
]
# Idle RSS: each service on its defaults, started alone (the orchestrator with its arms).
IDLE_SERVERS = [("echo", "echo"), ("planner arm", "planner"), ("manifest", "manifest"),
                ("orchestrator", "orchestrator")]
IDLE_RSS_LIMIT_MB = 30.0
# Flat: RSS grows by at most max(2 MB, 5%) from a quarter of the run to its end.
FLAT_GROWTH_MB = 2.0
FLAT_GROWTH_FRACTION = 0.05
# Open loop: tries per round, each at this fraction of the previous rate, until both echo and
# the scenario keep their schedule.
OPEN_ATTEMPTS = 3
OPEN_BACKOFF = 0.6


# --------------------------------------------------------------------------------- helpers


def log(message):
    print(message, flush=True)


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


def kib_to_mb(kib):
    return kib * 1024 / 1e6


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def read_proc_status(pid):
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    out[line.split(":")[0]] = int(line.split()[1])
    except OSError:
        return None
    return out


class StartError(Exception):
    """A server that could not start; `missing` when its binary is not built."""

    def __init__(self, message, missing=False):
        super().__init__(message)
        self.missing = missing


class Server:
    """One server process on port 0; its stdout and stderr go to files in `workdir`."""

    def __init__(self, name, argv, workdir, cpus=None):
        self.name = name
        self.argv = argv
        self.out_path = os.path.join(workdir, f"{name}.out")
        self.log_path = os.path.join(workdir, f"{name}.log")
        self.address = None
        with open(self.out_path, "wb") as out, open(self.log_path, "wb") as err:
            self.proc = subprocess.Popen(
                argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL, cwd=REPO,
                preexec_fn=(lambda: os.sched_setaffinity(0, cpus)) if cpus else None)
        self.pid = self.proc.pid
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            with open(self.out_path, "rb") as f:
                for line in f.read().decode(errors="replace").splitlines():
                    if '"event":"listening"' in line:
                        self.address = json.loads(line)["grpc"]
                        return
            if self.proc.poll() is not None:
                raise StartError(f"{name} exited with status {self.proc.returncode}: "
                                 f"{self.log_tail()}")
            time.sleep(0.05)
        self.stop()
        raise StartError(f"{name} did not print its listening line within 15 s: {self.log_tail()}")

    def log_tail(self, lines=3):
        try:
            with open(self.log_path, "rb") as f:
                text = f.read()[-4000:].decode(errors="replace").strip().splitlines()
        except OSError:
            return "(no log)"
        return " | ".join(text[-lines:]) or "(empty log)"

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Fleet:
    """The servers of one group: started on demand with their dependencies, stopped together."""

    def __init__(self, cfg, label):
        self.cfg = cfg
        self.workdir = tempfile.mkdtemp(prefix=f"armature-bench-{label}-")
        self.servers = {}
        self.cpus = {0} if cfg.pin and (os.cpu_count() or 1) >= 2 else None

    def binary_of(self, kind):
        spec = SERVERS[kind]
        if spec["binary"] is None:
            return self.cfg.orchestrator_bin
        return self.cfg.binary(spec["binary"])

    def start(self, kind):
        if kind in self.servers:
            return self.servers[kind]
        spec = SERVERS[kind]
        for need in spec.get("needs", []):
            self.start(need)
        binary = self.binary_of(kind)
        if not os.path.exists(binary):
            raise StartError(f"not built: {os.path.relpath(binary, REPO)} is missing",
                             missing=True)
        names = {k: s.address for k, s in self.servers.items()}
        names["tmp"] = self.workdir
        argv = [binary, "--listen=127.0.0.1:0"] + [a.format(**names) for a in spec["args"]]
        self.servers[kind] = Server(kind, argv, self.workdir, self.cpus)
        return self.servers[kind]

    def pids(self, kind):
        """The server's own PID first, then those of the servers it needs."""
        pids = [self.servers[kind].pid]
        for need in SERVERS[kind].get("needs", []):
            pids += [p for p in self.pids(need) if p not in pids]
        return pids

    def stop(self):
        for server in reversed(list(self.servers.values())):
            server.stop()
        if not self.cfg.keep_logs:
            shutil.rmtree(self.workdir, ignore_errors=True)
        else:
            log(f"  (server logs kept in {self.workdir})")


class Loads:
    """Runs bench/loadgen and h2load."""

    def __init__(self, cfg, workdir):
        self.cfg = cfg
        self.workdir = workdir
        self.loadgen = cfg.binary("bench/loadgen")
        self.cpus = {1} if cfg.pin and (os.cpu_count() or 1) >= 2 else None

    def _run(self, argv, timeout):
        res = subprocess.run(
            argv, capture_output=True, text=True, timeout=timeout, cwd=REPO,
            preexec_fn=(lambda: os.sched_setaffinity(0, self.cpus)) if self.cpus else None)
        return res

    def request_file(self, scenario_id, method, request_json, expect=None):
        """Writes the request JSON and its h2load frame; returns the loadgen flags for it."""
        json_path = os.path.join(self.workdir, f"{scenario_id}.json")
        frame_path = os.path.join(self.workdir, f"{scenario_id}.frame")
        with open(json_path, "w") as f:
            json.dump(request_json, f)
        flags = [f"--method={method}", f"--request_json_file={json_path}"]
        res = self._run([self.loadgen] + flags + [f"--write_frame={frame_path}"], 30)
        if res.returncode != 0:
            raise RuntimeError(f"loadgen cannot encode the {scenario_id} request: "
                               f"{res.stderr.strip()}")
        if expect:
            flags.append(f"--expect={expect}")
        return flags, frame_path

    def loadgen_run(self, target, flags, mode, pids=(), rate=None, seconds=None, warmup=None,
                    requests=0, concurrency=None, rss_sample_ms=0):
        seconds = self.cfg.seconds if seconds is None else seconds
        warmup = self.cfg.warmup if warmup is None else warmup
        argv = [self.loadgen, f"--target={target}", f"--mode={mode}",
                f"--channels={self.cfg.channels}",
                f"--concurrency={concurrency or self.cfg.concurrency}",
                f"--duration_seconds={seconds}", f"--warmup_seconds={warmup}",
                "--deadline_ms=30000"] + flags
        if rate is not None:
            argv.append(f"--rate={max(rate, 1.0):.1f}")
        if requests:
            argv.append(f"--requests={requests}")
        if pids:
            argv.append("--server_pids=" + ",".join(str(p) for p in pids))
        if rss_sample_ms:
            argv.append(f"--rss_sample_ms={rss_sample_ms}")
        res = self._run(argv, seconds + warmup + 90)
        if res.returncode != 0:
            raise RuntimeError(f"loadgen failed ({res.returncode}): {res.stderr.strip()}")
        return json.loads(res.stdout)

    def h2load_run(self, address, method, frame_path):
        if not self.cfg.h2load:
            return None
        clients = self.cfg.channels
        streams = max(1, self.cfg.concurrency // clients)
        argv = [self.cfg.h2load, "-t", "1", "-c", str(clients), "-m", str(streams),
                # h2load takes whole numbers with units.
                "-D", f"{max(1, round(self.cfg.seconds * 1000))}ms",
                f"--warm-up-time={round(self.cfg.warmup * 1000)}ms",
                "-d", frame_path, "-H", "content-type: application/grpc", "-H", "te: trailers",
                f"http://{address}{method}"]
        res = self._run(argv, self.cfg.seconds + self.cfg.warmup + 60)
        out = res.stdout
        m = re.search(r"finished in ([\d.]+)s, ([\d.]+) req/s", out)
        r = re.search(r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, "
                      r"(\d+) failed, (\d+) errored, (\d+) timeout", out)
        if res.returncode != 0 or not m or not r:
            return {"error": (res.stderr or out).strip()[-300:]}
        return {"rps": float(m.group(2)), "seconds": float(m.group(1)),
                "succeeded": int(r.group(4)), "failed": int(r.group(5)),
                "errored": int(r.group(6)), "timeout": int(r.group(7))}


# ------------------------------------------------------------------------------ measuring


def machine_description():
    model = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem_kib = 0
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    mem_kib = int(line.split()[1])
    except OSError:
        pass
    grpc_version = "unknown"
    try:
        grpc_version = subprocess.run(["pkg-config", "--modversion", "grpc++"],
                                      capture_output=True, text=True).stdout.strip() or "unknown"
    except OSError:
        pass
    with open("/proc/loadavg") as f:
        loadavg = " ".join(f.read().split()[:3])
    return {"nproc": os.cpu_count(), "cpu_model": model,
            "memory_gb": round(mem_kib * 1024 / 1e9, 1), "kernel": platform.release(),
            "grpc": grpc_version, "loadavg_at_start": loadavg}


def git_commit():
    def git(*args):
        return subprocess.run(["git", "-C", REPO] + list(args), capture_output=True,
                              text=True).stdout.strip()
    try:
        head = git("rev-parse", "HEAD") or "unknown"
        # The results of an earlier run are this run's output, not a change to what is measured.
        dirty = git("status", "--porcelain", "--untracked-files=no", "--", ".",
                    ":(exclude)bench/results")
    except OSError:
        return "unknown"
    return head + ("+dirty" if dirty else "")


def write_fixtures(cfg, workdir):
    res = subprocess.run([cfg.binary("bench/bench_fixtures"), f"--out_dir={workdir}"],
                         capture_output=True, text=True)
    if res.returncode != 0:
        sys.exit(f"run_bench: bench_fixtures failed: {res.stderr.strip()}")
    fixtures = json.loads(res.stdout)
    with open(fixtures["treatment_2000w"]["path"], encoding="utf-8") as f:
        fixtures["treatment_2000w"]["text"] = f.read()
    return fixtures


def run_micro(cfg, workdir):
    results = {}
    for name in ("planner_bench", "manifest_bench"):
        binary = cfg.binary(f"bench/{name}")
        if not os.path.exists(binary):
            log(f"micro-benchmark {name}: not built ({os.path.relpath(binary, REPO)})")
            continue
        out = os.path.join(workdir, f"{name}.json")
        log(f"\n== micro-benchmarks: {name}")
        subprocess.run([binary, "--benchmark_min_time=0.2", f"--benchmark_out={out}",
                        "--benchmark_out_format=json"], check=False)
        try:
            with open(out) as f:
                data = json.load(f)
        except (OSError, ValueError):
            continue
        results[name] = [{"name": b["name"], "real_time": b["real_time"],
                          "cpu_time": b["cpu_time"], "time_unit": b["time_unit"]}
                         for b in data.get("benchmarks", [])]
    return results


def echo_request(cfg):
    payload = bytes((i * 7) % 256 for i in range(cfg.echo_payload_bytes))
    return {"payload": base64.b64encode(payload).decode()}


def probe(loads, target, flags):
    """A few calls first: a scenario that cannot answer OK is not measured. Returns None, or
    (status, reason): "skipped" when the server does not implement the method yet, else
    "failed"."""
    r = loads.loadgen_run(target, flags, "closed", requests=20, concurrency=4)
    if not r["errors"]:
        return None
    code, message = next(iter(r["error_samples"].items()), ("?", "?"))
    if set(r["error_codes"]) == {"UNIMPLEMENTED"}:
        return "skipped", f"not implemented by this build yet (UNIMPLEMENTED: {message})"
    return "failed", f"{r['errors']} of 20 probe calls failed: {code}: {message}"


def measure_group(cfg, group, scenarios, fixtures, results):
    """Interleaved rounds of echo and the group's scenarios; fills results[scenario id]."""
    fleet = Fleet(cfg, group)
    loads = Loads(cfg, fleet.workdir)
    try:
        echo = fleet.start("echo")
        variants = [{"id": "echo", "server": "echo", "method": ECHO_METHOD,
                     "request": echo_request(cfg), "target": echo.address,
                     "pids": [echo.pid]}]
        flags, frame = loads.request_file("echo", ECHO_METHOD, echo_request(cfg))
        variants[0].update(flags=flags, frame=frame)
        for sc in scenarios:
            entry = results[sc["id"]]
            try:
                server = fleet.start(sc["server"])
            except StartError as e:
                entry.update(status="skipped" if e.missing else "failed", reason=str(e))
                log(f"  {sc['label']}: {entry['status']} ({e})")
                continue
            request = sc["request"](fixtures) if callable(sc["request"]) else sc["request"]
            flags, frame = loads.request_file(sc["id"], sc["method"], request, sc.get("expect"))
            failure = probe(loads, server.address, flags)
            if failure:
                entry.update(status=failure[0], reason=failure[1])
                log(f"  {sc['label']}: {failure[0]} ({failure[1]})")
                continue
            variants.append({"id": sc["id"], "server": sc["server"], "method": sc["method"],
                             "target": server.address, "pids": fleet.pids(sc["server"]),
                             "flags": flags, "frame": frame})
        if len(variants) == 1:
            return None
        rounds = []
        for rep in range(cfg.repeats):
            # Alternate the order (ABBA) so that neither side always runs first.
            order = variants if rep % 2 == 0 else list(reversed(variants))
            rnd = {v["id"]: {} for v in variants}
            for v in order:
                rnd[v["id"]]["closed"] = loads.loadgen_run(v["target"], v["flags"], "closed",
                                                           pids=v["pids"])
            # Latency: each scenario and echo at the same offered load, half of the
            # scenario's saturation in this round; lower when either open loop cannot keep
            # that schedule on this machine (the rate used is reported).
            echo_v = variants[0]
            for v in order:
                if v is echo_v:
                    continue
                saturation = rnd[v["id"]]["closed"]["throughput_rps"]
                rate = saturation / 2
                pair = [echo_v, v] if rep % 2 == 0 else [v, echo_v]
                for attempt in range(OPEN_ATTEMPTS):
                    runs = {side["id"]: loads.loadgen_run(side["target"], side["flags"], "open",
                                                          pids=side["pids"], rate=rate)
                            for side in pair}
                    behind = [(k, r) for k, r in runs.items() if not kept_schedule(r)]
                    if not behind or attempt + 1 == OPEN_ATTEMPTS:
                        break
                    results.setdefault("_warnings", []).append(
                        f"{v['id']} (round {rep + 1}): the open loop of "
                        f"{' and '.join(k for k, _ in behind)} could not keep {rate:.0f} "
                        f"calls/s ({'; '.join(schedule_note(r) for _, r in behind)}); "
                        f"retried at {rate * OPEN_BACKOFF:.0f}")
                    rate *= OPEN_BACKOFF
                rnd[v["id"]]["open"] = runs[v["id"]]
                rnd[v["id"]]["echo_open"] = runs["echo"]
                rnd[v["id"]]["open_fraction_of_saturation"] = ratio(rate, saturation)
                for k, run in runs.items():
                    if not kept_schedule(run):
                        results.setdefault("_warnings", []).append(
                            f"{k} at {rate:.0f} calls/s (round {rep + 1}, with {v['id']}): "
                            f"the open loop fell behind its schedule ({schedule_note(run)}); "
                            f"this round's latency is left out of the ratios")
            for v in order:
                rnd[v["id"]]["h2load"] = loads.h2load_run(v["target"], v["method"], v["frame"])
            rounds.append(rnd)
            log("  round %d/%d: %s" % (rep + 1, cfg.repeats, ", ".join(
                "%s %.0f rps" % (v["id"], rnd[v["id"]]["closed"]["throughput_rps"])
                for v in variants)))
        # Peak RSS at saturation: VmHWM at the end of the first closed loop (a fresh process:
        # start-up, warm-up and full load). VmHWM after every round is kept for reference; an
        # open loop that fell behind can inflate it with queued calls.
        peaks, peaks_after = {}, {}
        for v in variants:
            first = rounds[0][v["id"]]["closed"]["servers"]
            peaks[v["id"]] = first[0]["hwm_kib"] if first else None
            status = read_proc_status(v["pids"][0]) or {}
            peaks_after[v["id"]] = status.get("VmHWM")
            if not fleet.servers[v["server"]].alive():
                results.setdefault("_warnings", []).append(
                    f"{v['id']}: server exited during the run: "
                    f"{fleet.servers[v['server']].log_tail()}")
        return {"variants": variants, "rounds": rounds, "peak_rss_kib": peaks,
                "peak_rss_after_rounds_kib": peaks_after}
    finally:
        fleet.stop()


def dig(node, path):
    """node[path[0]][path[1]]..., or None where a step is missing."""
    for key in path:
        if isinstance(key, int):
            node = node[key] if isinstance(node, list) and len(node) > key else None
        else:
            node = node.get(key) if isinstance(node, dict) else None
    return node


def kept_schedule(open_run):
    """True when the open loop kept its schedule: 90% of its calls started within
    max(1 ms, the median latency) of their intended time. A client or machine that cannot
    keep the rate shows lags that grow without bound; a busy machine's scheduling jitter only
    delays a tail (and every delay is counted in the latency either way)."""
    if not open_run or open_run["ok"] + open_run["errors"] == 0:
        return False
    lag_p90 = open_run["start_lag_us"]["p90"]
    return lag_p90 <= max(1000.0, open_run["latency_us"]["p50"])


def schedule_note(run):
    lag = run["start_lag_us"]
    return (f"start lag p50 {lag['p50'] / 1000:.1f} ms, p90 {lag['p90'] / 1000:.1f} ms, "
            f"max {lag['max'] / 1000:.1f} ms vs latency p50 "
            f"{run['latency_us']['p50'] / 1000:.1f} ms")


def variant_stats(runs, peak_rss_kib):
    """Medians over the rounds of one variant; `runs` holds its {closed, open, h2load}s
    ("open" may be missing). Latency comes from the rounds whose open loop kept its schedule
    (all, if none did)."""
    def med(path, rows=runs):
        return median([dig(r, path) for r in rows])

    timely = [r for r in runs if kept_schedule(r.get("open"))]
    codes = {}
    errors = 0
    for r in runs:
        for mode in ("closed", "open"):
            if r.get(mode):
                errors += r[mode]["errors"]
                for code, n in r[mode]["error_codes"].items():
                    codes[code] = codes.get(code, 0) + n
    return {
        "loadgen_rps": med(["closed", "throughput_rps"]),
        "h2load_rps": med(["h2load", "rps"]),
        "p50_us": med(["open", "latency_us", "p50"], timely or runs),
        "p99_us": med(["open", "latency_us", "p99"], timely or runs),
        "latency_reliable": bool(timely),
        "open_rate": med(["open", "rate_per_second"]),
        # The scenario's own server first; with arms behind it, the whole mesh too.
        "cpu_us_per_request": med(["closed", "servers", 0, "cpu_us_per_request"]),
        "mesh_cpu_us_per_request": median(
            [sum(s["cpu_us_per_request"] for s in r["closed"]["servers"]) for r in runs]),
        "peak_rss_kib": peak_rss_kib,
        "errors": errors,
        "error_codes": codes,
        "h2load_failed": sum((r.get("h2load") or {}).get("failed", 0) +
                             (r.get("h2load") or {}).get("errored", 0) for r in runs),
    }


def summarize(measured, sid):
    """A scenario against the echo runs of the same rounds: medians and per-round ratios.
    Echo's latency is the one measured at the scenario's rate."""
    rounds = measured["rounds"]
    peaks = measured["peak_rss_kib"]
    echo_runs = [{"closed": r["echo"]["closed"], "h2load": r["echo"].get("h2load"),
                  "open": r[sid].get("echo_open")} for r in rounds]
    runs = [r[sid] for r in rounds]

    def per_round(path, pairs):
        return median([ratio(dig(a, path), dig(b, path)) for a, b in pairs])

    pairs = list(zip(runs, echo_runs))
    # Latency ratios only from rounds where both open loops kept their schedule.
    timely = [(a, b) for a, b in pairs if kept_schedule(a.get("open")) and
              kept_schedule(b.get("open"))]
    return {
        "open_fraction_of_saturation": median(
            [r[sid].get("open_fraction_of_saturation") for r in rounds]),
        "peak_rss_after_rounds_kib": {
            k: measured.get("peak_rss_after_rounds_kib", {}).get(k) for k in (sid, "echo")},
        "scenario": variant_stats(runs, peaks.get(sid)),
        "echo": variant_stats(echo_runs, peaks.get("echo")),
        "ratios": {
            "loadgen_rps": per_round(["closed", "throughput_rps"], pairs),
            "h2load_rps": per_round(["h2load", "rps"], pairs),
            "p50_us": per_round(["open", "latency_us", "p50"], timely),
            "p99_us": per_round(["open", "latency_us", "p99"], timely),
            "cpu_us_per_request": per_round(["closed", "servers", 0, "cpu_us_per_request"],
                                            pairs),
            "peak_rss_kib": ratio(peaks.get(sid), peaks.get("echo")),
        },
    }


def memory_run(cfg, run, scenario, fixtures):
    fleet = Fleet(cfg, "memory")
    loads = Loads(cfg, fleet.workdir)
    try:
        server = fleet.start(run["server"])
        if scenario is None:
            method, request, expect = ECHO_METHOD, echo_request(cfg), None
        else:
            method = scenario["method"]
            request = scenario["request"](fixtures) if callable(scenario["request"]) \
                else scenario["request"]
            expect = scenario.get("expect")
        flags, _ = loads.request_file("memory", method, request, expect)
        sample_ms = max(200, int(cfg.memory_seconds * 1000 / 60))
        r = loads.loadgen_run(server.address, flags, "closed", pids=[server.pid], warmup=0,
                              seconds=cfg.memory_seconds, rss_sample_ms=sample_ms)
        samples = r["servers"][0]["rss_samples"] if r["servers"] else []
        return {"samples": samples, "requests": r["ok"] + r["errors"], "errors": r["errors"],
                "hwm_kib": r["servers"][0]["hwm_kib"] if r["servers"] else None}
    finally:
        fleet.stop()


def flatness(samples, seconds):
    if len(samples) < 4:
        return None
    quarter = [kib for t, kib in samples if t >= seconds / 4]
    if not quarter:
        return None
    start, end = quarter[0], samples[-1][1]
    peak = max(kib for _, kib in samples)
    # Least-squares slope over the last three quarters, in MB per minute.
    pts = [(t, kib) for t, kib in samples if t >= seconds / 4]
    n = len(pts)
    mt = sum(t for t, _ in pts) / n
    mk = sum(k for _, k in pts) / n
    den = sum((t - mt) ** 2 for t, _ in pts)
    slope = sum((t - mt) * (k - mk) for t, k in pts) / den if den else 0.0
    growth_mb = kib_to_mb(end - start)
    allowed = max(FLAT_GROWTH_MB, FLAT_GROWTH_FRACTION * kib_to_mb(start))
    return {"start_mb": kib_to_mb(start), "end_mb": kib_to_mb(end), "peak_mb": kib_to_mb(peak),
            "growth_mb": growth_mb, "allowed_growth_mb": allowed,
            "slope_mb_per_min": kib_to_mb(slope) * 60, "flat": growth_mb <= allowed}


def idle_rss(cfg, kind):
    fleet = Fleet(cfg, "idle")
    try:
        server = fleet.start(kind)
        time.sleep(cfg.idle_seconds)
        status = read_proc_status(server.pid)
        return status.get("VmRSS") if status else None
    finally:
        fleet.stop()


# ------------------------------------------------------------------------------- reporting


def fmt(value, spec=".0f", none="—"):
    return none if value is None else format(value, spec)


def fmt_ratio(value):
    return "—" if value is None else f"{value:.2f}"


def evaluate_targets(results, memory, idle, throughput_source):
    rows = []

    def add(name, measured, limit, ok, note="", failed=False):
        result = "FAIL" if failed else ("SKIP" if ok is None else ("PASS" if ok else "FAIL"))
        rows.append({"target": name, "measured": measured, "limit": limit, "result": result,
                     "note": note})

    def throughput(summary):
        """The ratio from the preferred source, else from the other one (and say so)."""
        first = "h2load_rps" if throughput_source == "h2load" else "loadgen_rps"
        other = "loadgen_rps" if first == "h2load_rps" else "h2load_rps"
        if summary["ratios"][first] is not None:
            return summary["ratios"][first], ""
        name, fallback = first.split("_")[0], other.split("_")[0]
        return summary["ratios"][other], f"from {fallback} ({name} failed)"

    for sc in SCENARIOS:
        entry = results[sc["id"]]
        if entry.get("status") == "not selected":
            continue
        t = sc.get("targets", {})
        summary = entry.get("summary")
        skipped = entry.get("status") != "measured"
        broken = entry.get("status") == "failed"
        reason = entry.get("reason", "")
        if "throughput_ratio_min" in t:
            r, source_note = (None, "") if skipped else throughput(summary)
            add(f"{sc['label']}: throughput ≥ {t['throughput_ratio_min']:.0%} of echo",
                fmt_ratio(r), f"≥ {t['throughput_ratio_min']:.2f}",
                None if r is None else r >= t["throughput_ratio_min"], reason or source_note,
                broken)
        if "p50_ratio_max" in t:
            r = None if skipped else summary["ratios"]["p50_us"]
            note = reason
            if not skipped and r is None:
                note = ("no round where both open loops kept their schedule (the machine or "
                        "the client was overloaded); see the warnings")
            add(f"{sc['label']}: p50 ≤ {t['p50_ratio_max']:g}× echo p50 at half saturation",
                fmt_ratio(r), f"≤ {t['p50_ratio_max']:.2f}",
                None if r is None else r <= t["p50_ratio_max"], note, broken)
        if "resilience_cost_max" in t:
            on = results[t["resilience_on"]]
            cost = None
            if not skipped and on.get("status") == "measured":
                cost = on.get("resilience_cost")
            add("Breaker, retries and deadlines cost ≤ 3% throughput",
                "—" if cost is None else f"{cost:.1%}", f"≤ {t['resilience_cost_max']:.0%}",
                None if cost is None else cost <= t["resilience_cost_max"],
                reason or on.get("reason", ""), broken or on.get("status") == "failed")
        if not skipped and summary["scenario"]["errors"]:
            add(f"{sc['label']}: every response OK", str(summary["scenario"]["errors"]), "0",
                False, json.dumps(summary["scenario"]["error_codes"]))
    for service, kib in idle.items():
        if service == "echo":
            continue
        if isinstance(kib, str):
            add(f"{service}: idle RSS < {IDLE_RSS_LIMIT_MB:g} MB", "—", "", None, kib,
                kib.startswith("failed"))
        else:
            add(f"{service}: idle RSS < {IDLE_RSS_LIMIT_MB:g} MB", f"{kib_to_mb(kib):.1f} MB",
                f"< {IDLE_RSS_LIMIT_MB:g} MB", kib_to_mb(kib) < IDLE_RSS_LIMIT_MB)
    for service, m in memory.items():
        if service == "echo":
            continue
        f = m.get("flatness")
        if f is None:
            add(f"{service}: memory flat under load", "—", "", None, m.get("reason", ""),
                m.get("reason", "").startswith("failed"))
        else:
            errors = m.get("errors", 0)
            add(f"{service}: memory flat under load",
                f"{f['growth_mb']:+.1f} MB ({f['slope_mb_per_min']:+.2f} MB/min)",
                f"≤ {f['allowed_growth_mb']:.1f} MB", f["flat"] and not errors,
                f"{errors} calls failed during the run" if errors else "")
    return rows


def render_markdown(report):
    cfg = report["config"]
    m = report["machine"]
    lines = [
        "# Armature benchmarks",
        "",
        f"Commit `{report['commit']}`, {report['finished_at']} UTC, "
        f"{report['duration_seconds']:.0f} s.",
        "",
        f"Machine: {m['nproc']} × {m['cpu_model']}, {m['memory_gb']} GB RAM, "
        f"Linux {m['kernel']}, gRPC {m['grpc']}; load average {m['loadavg_at_start']} at the "
        f"start, {m.get('loadavg_at_end', '?')} at the end (other work shares the machine "
        f"unless it is 0).",
        "",
        f"Runs: {cfg['repeats']} interleaved repeats (echo and scenario alternating, ABBA), "
        f"{cfg['warmup_seconds']:g} s warm-up + {cfg['seconds']:g} s each; closed loop "
        f"{cfg['concurrency']} calls in flight over {cfg['channels']} connections (h2load: "
        f"{cfg['channels']} connections × {max(1, cfg['concurrency'] // cfg['channels'])} "
        f"streams); open loop (Poisson arrivals) at half of the scenario's closed-loop "
        f"saturation (lower when the client or the machine could not keep that schedule), echo "
        f"at the same rate; medians. Throughput targets use "
        f"**{report['throughput_source']}**.",
        "",
        "## Scenarios (ratios to echo in the same rounds)",
        "",
        "| scenario | h2load rps | ×echo | loadgen rps | ×echo | open-loop rate (of sat.) "
        "| p50 µs (echo) "
        "| ×echo | p99 µs (echo) | ×echo | CPU µs/req | ×echo | peak RSS MB | ×echo "
        "| errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]

    def mb(kib):
        return fmt(kib_to_mb(kib) if kib else None, ".1f")

    def star(stats):
        return "" if stats["latency_reliable"] else "*"

    echo = report.get("echo_summary")
    if echo:
        lines.append(
            f"| echo (baseline) | {fmt(echo['h2load_rps'])} | 1 | {fmt(echo['loadgen_rps'])} | 1 "
            f"| see rows | see rows | 1 | see rows | 1 "
            f"| {fmt(echo['cpu_us_per_request'], '.1f')} | 1 | {mb(echo['peak_rss_kib'])} | 1 "
            f"| {echo['errors']} |")
    for sc in SCENARIOS:
        entry = report["scenarios"].get(sc["id"])
        if entry is None or entry.get("status") == "not selected":
            continue
        if entry.get("status") != "measured":
            lines.append(f"| {sc['label']} | {entry.get('status', 'skipped')}: "
                         f"{entry.get('reason', '')} |" + " |" * 13)
            continue
        s, e, r = (entry["summary"]["scenario"], entry["summary"]["echo"],
                   entry["summary"]["ratios"])
        frac = entry["summary"]["open_fraction_of_saturation"]
        cpu = fmt(s["cpu_us_per_request"], ".1f")
        if s["mesh_cpu_us_per_request"] and len(entry["pids_measured"]) > 1:
            cpu += f" ({fmt(s['mesh_cpu_us_per_request'], '.1f')} with arms)"
        lines.append(
            f"| {sc['label']} | {fmt(s['h2load_rps'])} | {fmt_ratio(r['h2load_rps'])} "
            f"| {fmt(s['loadgen_rps'])} | {fmt_ratio(r['loadgen_rps'])} "
            f"| {fmt(s['open_rate'])} ({fmt(frac * 100 if frac else None)}%) "
            f"| {fmt(s['p50_us'])}{star(s)} ({fmt(e['p50_us'])}{star(e)}) "
            f"| {fmt_ratio(r['p50_us'])} "
            f"| {fmt(s['p99_us'])}{star(s)} ({fmt(e['p99_us'])}{star(e)}) "
            f"| {fmt_ratio(r['p99_us'])} "
            f"| {cpu} | {fmt_ratio(r['cpu_us_per_request'])} "
            f"| {mb(s['peak_rss_kib'])} | {fmt_ratio(r['peak_rss_kib'])} | {s['errors']} |")
    lines += ["", "## Memory", "",
              "| service | idle RSS MB | under load: RSS at ¼ → end MB | growth | slope MB/min "
              "| peak MB | requests |",
              "|---|---:|---|---:|---:|---:|---:|"]
    for run in MEMORY_RUNS:
        service = run["service"]
        idle = report["idle_rss_kib"].get(service)
        idle_txt = idle if isinstance(idle, str) else fmt(
            kib_to_mb(idle) if idle else None, ".1f")
        mem = report["memory"].get(service, {})
        f = mem.get("flatness")
        if f:
            lines.append(f"| {service} | {idle_txt} | {f['start_mb']:.1f} → {f['end_mb']:.1f} "
                         f"| {f['growth_mb']:+.1f} | {f['slope_mb_per_min']:+.2f} "
                         f"| {f['peak_mb']:.1f} | {mem.get('requests', 0)} |")
        else:
            lines.append(f"| {service} | {idle_txt} | {mem.get('reason', '—')} |" + " |" * 4)
    lines += ["", f"Memory runs: {cfg['memory_seconds']:g} s closed loop per service; flat = "
              f"growth from a quarter of the run to its end ≤ max({FLAT_GROWTH_MB:g} MB, "
              f"{FLAT_GROWTH_FRACTION:.0%}). Idle: RSS {cfg['idle_seconds']:g} s after start.",
              "", "## Targets", "", "| target | measured | limit | result | note |",
              "|---|---:|---:|---|---|"]
    for t in report["targets"]:
        lines.append(f"| {t['target']} | {t['measured']} | {t['limit']} | **{t['result']}** "
                     f"| {t['note']} |")
    if report.get("warnings"):
        lines += ["", "## Warnings", ""] + [f"- {w}" for w in report["warnings"]]
    if report.get("micro"):
        lines += ["", "## Micro-benchmarks", "", "| benchmark | time | CPU |", "|---|---:|---:|"]
        for name, rows in report["micro"].items():
            for b in rows:
                lines.append(f"| {name}: {b['name']} | {b['real_time']:.0f} {b['time_unit']} "
                             f"| {b['cpu_time']:.0f} {b['time_unit']} |")
    lines += ["", "Columns: rps = OK calls per second at saturation (closed loop); p50/p99 in the "
              "open loop at the rate shown, from each call's intended send time (* = no round "
              "kept its schedule, so client or machine delay is in it); CPU µs/req = the "
              "server process's utime+stime over the closed-loop window ÷ calls (with arms: "
              "the whole mesh); peak RSS = VmHWM after the first closed loop (start-up, warm-up "
              "and saturation of a fresh process). Ratios are medians "
              "of per-round ratios. See docs/benchmarks.md.", ""]
    return "\n".join(lines)


# ------------------------------------------------------------------------------------ main


def main():
    cfg = Config()
    started = time.time()
    for needed in ("bench/echo_server", "bench/loadgen", "bench/bench_fixtures"):
        if not os.path.exists(cfg.binary(needed)):
            sys.exit(f"run_bench: {os.path.relpath(cfg.binary(needed), REPO)} is missing; build "
                     f"it first (make bench, or cmake --build {cfg.build_dir} --target "
                     f"{os.path.basename(needed)})")
    if cfg.use_h2load and not cfg.h2load:
        log("run_bench: h2load not found (Debian package nghttp2-client); raw-throughput runs "
            "are skipped and targets use loadgen")
    throughput_source = "h2load" if cfg.h2load else "loadgen"
    unknown = set(cfg.scenarios) - {s["id"] for s in SCENARIOS}
    if unknown:
        sys.exit(f"run_bench: BENCH_SCENARIOS: unknown {sorted(unknown)}; known: "
                 f"{[s['id'] for s in SCENARIOS]}")
    selected = [s for s in SCENARIOS if not cfg.scenarios or s["id"] in cfg.scenarios]

    report = {"schema": 1, "commit": git_commit(), "machine": machine_description(),
              "config": cfg.as_dict(), "throughput_source": throughput_source,
              "started_at": utc_now()}
    scratch = tempfile.mkdtemp(prefix="armature-bench-")
    try:
        fixtures = write_fixtures(cfg, scratch)
        report["fixtures"] = {k: {kk: vv for kk, vv in v.items() if kk != "text"}
                              for k, v in fixtures.items()}
        if "micro" in cfg.parts:
            report["micro"] = run_micro(cfg, scratch)

        results = {s["id"]: {"label": s["label"], "status": "not selected"} for s in SCENARIOS}
        groups = []
        for s in selected if "scenarios" in cfg.parts else []:
            if s["group"] not in groups:
                groups.append(s["group"])
        echo_runs, echo_peaks = [], []
        for group in groups:
            members = [s for s in selected if s["group"] == group]
            log(f"\n== {', '.join(s['label'] for s in members)} vs echo")
            for s in members:
                results[s["id"]]["status"] = "measured"
            try:
                measured = measure_group(cfg, group, members, fixtures, results)
            except (RuntimeError, subprocess.TimeoutExpired) as e:
                for s in members:
                    if results[s["id"]]["status"] == "measured":
                        results[s["id"]].update(status="failed", reason=str(e)[-300:])
                log(f"  failed: {e}")
                continue
            if measured is None:
                continue
            ids = [v["id"] for v in measured["variants"]]
            echo_runs += [{"closed": rnd["echo"]["closed"], "h2load": rnd["echo"].get("h2load")}
                          for rnd in measured["rounds"]]
            echo_peaks.append(measured["peak_rss_kib"].get("echo"))
            for s in members:
                if s["id"] not in ids:
                    continue
                entry = results[s["id"]]
                entry["summary"] = summarize(measured, s["id"])
                entry["pids_measured"] = next(v["pids"] for v in measured["variants"]
                                              if v["id"] == s["id"])
                entry["rounds"] = [{"scenario": rnd[s["id"]], "echo": rnd["echo"]}
                                   for rnd in measured["rounds"]]
            # Resilience cost: per round, 1 - on/off, both from the same rounds.
            for s in members:
                on_id = s.get("targets", {}).get("resilience_on")
                if on_id and on_id in ids and s["id"] in ids:
                    path = (["h2load", "rps"] if throughput_source == "h2load"
                            else ["closed", "throughput_rps"])
                    shares = [ratio(dig(rnd[on_id], path), dig(rnd[s["id"]], path))
                              for rnd in measured["rounds"]]
                    costs = [1 - x for x in shares if x is not None]
                    results[on_id]["resilience_cost"] = median(costs)
        report["warnings"] = results.pop("_warnings", [])
        if echo_runs:
            report["echo_summary"] = variant_stats(echo_runs, median(echo_peaks))
        report["scenarios"] = results

        idle = {}
        if "idle" in cfg.parts:
            log("\n== idle RSS")
        for service, kind in IDLE_SERVERS if "idle" in cfg.parts else []:
            try:
                kib = idle_rss(cfg, kind)
                idle[service] = kib
                log(f"  {service}: {kib_to_mb(kib):.1f} MB" if kib else f"  {service}: ?")
            except StartError as e:
                idle[service] = f"{'skipped' if e.missing else 'failed'}: {e}"
                log(f"  {service}: {idle[service]}")
        report["idle_rss_kib"] = idle

        memory = {}
        if cfg.memory_seconds > 0 and "memory" in cfg.parts:
            log(f"\n== memory under load ({cfg.memory_seconds:g} s per service)")
            by_id = {s["id"]: s for s in SCENARIOS}
            for run in MEMORY_RUNS:
                scenario = by_id.get(run["scenario"]) if run["scenario"] else None
                if scenario is not None and cfg.scenarios and scenario["id"] not in cfg.scenarios:
                    continue
                if scenario is not None and results[scenario["id"]]["status"] in ("skipped",
                                                                                  "failed"):
                    entry = results[scenario["id"]]
                    memory[run["service"]] = {
                        "reason": f"{entry['status']}: {entry.get('reason', '')}"}
                    log(f"  {run['service']}: {memory[run['service']]['reason']}")
                    continue
                try:
                    m = memory_run(cfg, run, scenario, fixtures)
                    m["flatness"] = flatness(m["samples"], cfg.memory_seconds)
                    memory[run["service"]] = m
                    f = m["flatness"]
                    log(f"  {run['service']}: " + (
                        f"{f['start_mb']:.1f} → {f['end_mb']:.1f} MB "
                        f"({'flat' if f['flat'] else 'GROWING'})" if f else "too few samples"))
                except (StartError, RuntimeError, subprocess.TimeoutExpired) as e:
                    missing = isinstance(e, StartError) and e.missing
                    memory[run["service"]] = {
                        "reason": f"{'skipped' if missing else 'failed'}: {e}"}
                    log(f"  {run['service']}: {memory[run['service']]['reason']}")
        report["memory"] = memory

        report["targets"] = evaluate_targets(results, memory, idle, throughput_source)
        with open("/proc/loadavg") as f:
            report["machine"]["loadavg_at_end"] = " ".join(f.read().split()[:3])
        report["finished_at"] = utc_now()
        report["duration_seconds"] = time.time() - started

        os.makedirs(cfg.out_dir, exist_ok=True)
        markdown = render_markdown(report)
        with open(os.path.join(cfg.out_dir, "latest.md"), "w") as f:
            f.write(markdown)
        with open(os.path.join(cfg.out_dir, "latest.json"), "w") as f:
            json.dump(report, f, indent=1, default=str)
        log("\n" + markdown)
        log(f"Results: {os.path.relpath(cfg.out_dir, REPO)}/latest.md and latest.json")
        failed = [t for t in report["targets"] if t["result"] == "FAIL"]
        if failed:
            log(f"{len(failed)} target(s) FAIL; see 'Where the targets stand' in "
                "docs/benchmarks.md.")
        return 1 if failed and cfg.strict else 0
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
