#!/usr/bin/python3
"""Runs every shell example in README.md and docs/*.md against the real binaries.

    run_doc_examples.py BINARY_DIR SOURCE_DIR [--list] [--keep]

The docs must stay true: each command they show is either run here, or skipped with a reason that
is printed (it needs a cluster, a container engine, root, ...). Steps:

1. Start armature-planner-arm, armature-manifest and armature-orchestrator from BINARY_DIR on
   127.0.0.1:0 (gRPC and metrics), reading each one's listening line
   {"event":"listening","grpc":"HOST:PORT","metrics":"HOST:PORT"} from stdout; the orchestrator
   points at the two arms and keeps its store in a scratch directory. They are always stopped
   (SIGTERM) at the end, and get SIGTERM from the kernel should this script die first.
2. Extract the examples: every command line (joined over backslash continuations, with its
   heredoc) of the ```sh/```bash blocks; lines of indented blocks that start with `$ ` or with a
   command this script knows; and inline `code` spans that start with such a command.
3. Rewrite the documented fixed addresses (127.0.0.1:50051/50052/50053, :9091/9092/9093) to the
   real ones, `build/` paths to BINARY_DIR, /tmp files and the store's paths to the scratch
   directory, and placeholders (TASK_ID, ADDR, HOST:PORT) to real values; armctl commands that
   rely on armctl's default target get it explicitly. Then run each from SOURCE_DIR with bash and
   a timeout, and check it: exit 0 (or the code a `# exit N` comment documents), non-empty output
   (or the file it writes), SUCCEEDED for `--wait`/"wait":true and watches, CANCELLED for cancels.
4. Report every example (file:line, command, PASS/FAIL/SKIP) and exit 1 if any failed.

Standard library only; run with /usr/bin/python3.
"""

import argparse
import ctypes
import json
import os
import re
import shlex
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

UUID_RE = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")
FIXED_GRPC = {"50051": "orchestrator", "50052": "planner", "50053": "manifest"}
FIXED_METRICS = {"9091": "orchestrator", "9092": "planner", "9093": "manifest"}
FIXED_ADDR_RE = re.compile(r"\b(?:127\.0\.0\.1|localhost):(50051|50052|50053|9091|9092|9093)\b")

SERVICES = [  # name, binary under BINARY_DIR
    ("planner", "services/planner_arm/armature-planner-arm"),
    ("manifest", "services/manifest/armature-manifest"),
    ("orchestrator", "services/orchestrator/armature-orchestrator"),
]
ARMCTL = "tools/armctl/armctl"
# armctl's default target per command (tools/armctl/main.cc); everything else: the orchestrator.
ARMCTL_DEFAULT_SERVICE = {"plan": "planner", "scene": "planner", "manifest": "manifest"}

DEFAULT_TIMEOUT = 60  # seconds per example
WATCH_TIMEOUT = 15  # a watch of a finished task must end within this
STREAM_SECONDS = 3  # how long an endless stream (Health/Watch) is followed before it is stopped

# Command words that make an indented line or an inline `code` span an example.
KNOWN_COMMANDS = {
    "armctl", "$B", "node_modules/.bin/buf", "grpcurl", "curl", "sqlite3", "printf", "kubectl",
    "docker", "podman", "buildah", "kind", "minikube", "make", "cmake", "ninja", "ctest", "sudo",
    "h2load", "perf", "/usr/bin/python3", "python3", "bash",
}


# --------------------------------------------------------------------------------------------
# Extraction


class Example:
    def __init__(self, path, line, text, origin):
        self.path = path  # relative to the source dir
        self.line = line  # 1-based line of the command's first line
        self.text = text  # the command as bash gets it (continuations and heredoc included)
        self.origin = origin  # "block", "indented" or "inline"
        self.block = None  # (path, first line of its block): examples that share shell state
        self.status = None  # PASS, FAIL, SKIP, SETUP
        self.reason = ""
        self.notes = []
        self.seconds = 0.0

    @property
    def where(self):
        return f"{self.path}:{self.line}"

    @property
    def display(self):
        first = self.text.split("\n")[0]
        lines = self.text.split("\n")
        if heredoc_word(first):
            return f"{first.rstrip()}  (heredoc, {len(lines) - 1} more lines)"
        return " ".join(l.strip().rstrip("\\").strip() for l in lines)


def strip_comment(text):
    """The command without its trailing shell comment (quotes respected)."""
    quote = None
    prev = " "
    for i, c in enumerate(text):
        if quote:
            if c == quote:
                quote = None
        elif c in "'\"":
            quote = c
        elif c == "#" and prev in " \t\n":
            return text[:i].rstrip(), text[i + 1:].strip()
        prev = c
    return text.rstrip(), ""


def heredoc_word(line):
    m = re.search(r"<<-?\s*(['\"]?)(\w+)\1", strip_comment(line)[0])
    return m.group(2) if m else None


def command_words(text):
    """Words of the command with leading VAR=value assignments removed (best effort)."""
    code, _ = strip_comment(text.split("\n")[0] if heredoc_word(text) else text)
    code = code.replace("\\\n", " ")
    try:
        words = shlex.split(code)
    except ValueError:
        words = code.split()
    while words and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", words[0]) and len(words) > 1:
        words = words[1:]
    return words


def first_word(text):
    # $B stays $B (shlex would keep it too, but be explicit).
    words = command_words(text)
    return words[0] if words else ""


def is_known_command(word):
    return (word in KNOWN_COMMANDS or word.startswith("build/") or word.startswith("scripts/")
            or word.startswith("deploy/") or word.endswith("/armctl"))


def collect_command(lines, i):
    """The command starting at lines[i]: continuation lines and heredoc body. Returns (text, next)."""
    parts = [lines[i]]
    while parts[-1].rstrip().endswith("\\") and i + 1 < len(lines):
        i += 1
        parts.append(lines[i])
    word = heredoc_word("\n".join(parts))
    if word:
        while i + 1 < len(lines):
            i += 1
            parts.append(lines[i])
            if lines[i].strip() == word:
                break
    return "\n".join(parts), i + 1


def extract(src, rel):
    lines = open(os.path.join(src, rel), encoding="utf-8").read().split("\n")
    examples = []
    fence = None  # language of the open fence, "" for none given
    block_start = None
    prev_blank = True
    in_indented = False
    i = 0
    while i < len(lines):
        line = lines[i]
        m = re.match(r"^\s*```\s*([\w+-]*)", line)
        if m:
            if fence is None:
                fence, block_start = m.group(1).lower(), i + 1
            else:
                fence = None
            i += 1
            prev_blank = False
            continue
        if fence is not None:
            if fence in ("sh", "bash", "shell", "console") and line.strip() and \
                    not line.strip().startswith("#"):
                text, nxt = collect_command(lines, i)
                text = re.sub(r"^(\s*)\$ ", r"\1", text)
                ex = Example(rel, i + 1, text.strip("\n").strip(), "block")
                ex.block = (rel, block_start)
                examples.append(ex)
                i = nxt
                continue
            i += 1
            continue
        indented = line.startswith("    ") or line.startswith("\t")
        if indented and (prev_blank or in_indented) and not re.match(r"^\s*([-*+]|\d+\.)\s", line):
            in_indented = True
            body = line.strip()
            if body.startswith("$ ") or is_known_command(first_word(body)):
                text, nxt = collect_command(lines, i)
                text = re.sub(r"^(\s*)\$ ", r"\1", text)
                ex = Example(rel, i + 1, text.strip(), "indented")
                ex.block = (rel, "indented", i + 1)
                examples.append(ex)
                i = nxt
                continue
            i += 1
            continue
        if line.strip():
            in_indented = False
        prev_blank = not line.strip()
        for span in re.findall(r"`([^`]+)`", line):
            span = span.strip()
            if " " in span and is_known_command(first_word(span)):
                ex = Example(rel, i + 1, span, "inline")
                ex.block = (rel, "inline", i + 1)
                examples.append(ex)
        i += 1
    return examples


def doc_files(src):
    files = ["README.md"] if os.path.exists(os.path.join(src, "README.md")) else []
    docs = os.path.join(src, "docs")
    files += sorted("docs/" + f for f in os.listdir(docs) if f.endswith(".md"))
    return files


def b_definition(src):
    """B as docs/api.md defines it (`B="..."`)."""
    text = open(os.path.join(src, "docs/api.md"), encoding="utf-8").read()
    m = re.search(r"""\bB=(["'])(.+?)\1""", text)
    if not m:
        sys.exit("docs/api.md no longer defines B=\"...\"; update run_doc_examples.py")
    return m.group(2)


# --------------------------------------------------------------------------------------------
# Classification: why an example is not run here


def classify(ex, have_grpcurl):
    """None when the example is run here, else the reason it is skipped."""
    words = command_words(ex.text)
    if not words:
        return "empty"
    cmd = words[0]
    code = strip_comment(ex.text)[0]
    if "[--" in code or re.search(r"\bCOMMAND\b|\[ARGS\]", code):
        return "usage synopsis, not a command"
    if re.search(r"(?<!\S)(JSON|\.\.\.)(?!\S)|\bSERVICE/METHOD\b|\bMETRICS_ADDRESS\b", code):
        return "template with placeholders (JSON, SERVICE/METHOD, ...), not a literal command"
    if cmd == "grpcurl":
        return None if have_grpcurl else "grpcurl is not installed here (not in PATH)"
    if cmd == "kubectl":
        if len(words) > 1 and words[1] == "kustomize":
            if len(words) > 2:
                return None
            return "names the tool, no directory given"
        if "port-forward" in words:
            return ("kubectl port-forward needs a Kubernetes cluster (the examples after it run "
                    "against the local mesh on the forwarded addresses instead)")
        return "kubectl needs a Kubernetes cluster"
    if cmd in ("docker", "podman", "buildah"):
        return f"{cmd} needs a container engine"
    if cmd in ("kind", "minikube"):
        return f"{cmd} needs a local Kubernetes cluster and a container engine"
    if cmd == "make":
        return "make builds, installs (apt, npm) or runs the whole project; not run inside a test"
    if cmd in ("cmake", "ninja"):
        return "build step (the test runs on an existing build)"
    if cmd == "ctest":
        return "runs other CTest tests"
    if cmd == "sudo":
        return "needs root (the rehearsal has its own test, ctest -L rehearsal)"
    if cmd == "scripts/build-images.sh":
        if "--check" in words:
            return None
        return "builds or pushes container images: needs a container engine and a registry"
    if cmd == "deploy/k8s/sync-config.sh":
        return "rewrites deploy/k8s/base/config in the source tree"
    if cmd.startswith("build/bench/") or cmd in ("h2load", "perf") or "bench/run_bench.py" in words:
        return ("benchmark load generation or profiling (bench/, minutes of load on every core); "
                "`make bench` runs it")
    if cmd == "curl" and any(not re.match(r"https?://(127\.0\.0\.1|localhost)[:/]", u)
                             for u in re.findall(r"https?://\S+", code)):
        return "reaches a service outside this machine"
    if cmd == "sqlite3" and "/data/" in code:
        return "runs inside the orchestrator pod"
    if cmd in ("armctl", "$B", "node_modules/.bin/buf", "curl", "sqlite3", "printf") or \
            cmd.endswith("/armctl"):
        return None
    if re.match(r"^[A-Za-z_][A-Za-z0-9_]*=\S*$", code.strip()) or \
            re.match(r"^[A-Za-z_][A-Za-z0-9_]*=([\"']).*\1$", code.strip()):
        return None  # an assignment: setup for the lines after it
    return "UNCLASSIFIED"


# --------------------------------------------------------------------------------------------
# The mesh


def _die_with_parent():
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:
        pass


class Mesh:
    def __init__(self, bindir, src, tmp):
        self.bindir, self.src, self.tmp = bindir, src, tmp
        self.procs = {}  # name -> Popen
        self.grpc = {}
        self.metrics = {}
        self.store = os.path.join(tmp, "armature.db")
        self.paused = False

    def start_one(self, name, binary, extra):
        out = open(os.path.join(self.tmp, f"{name}.stdout"), "w")
        err = open(os.path.join(self.tmp, f"{name}.stderr"), "w")
        args = [os.path.join(self.bindir, binary), "--listen=127.0.0.1:0",
                "--metrics_listen=127.0.0.1:0"] + extra
        proc = subprocess.Popen(args, cwd=self.src, stdout=out, stderr=err,
                                stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)
        self.procs[name] = proc
        deadline = time.time() + 30
        path = os.path.join(self.tmp, f"{name}.stdout")
        while time.time() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {proc.returncode} before listening; "
                                   f"stderr:\n{tail(os.path.join(self.tmp, name + '.stderr'))}")
            with open(path) as f:
                for line in f:
                    try:
                        event = json.loads(line)
                    except ValueError:
                        continue
                    if event.get("event") == "listening":
                        self.grpc[name], self.metrics[name] = event["grpc"], event["metrics"]
                        print(f"  {name:12} pid {proc.pid}: grpc {event['grpc']}, "
                              f"metrics {event['metrics']}")
                        return
            time.sleep(0.05)
        raise RuntimeError(f"{name} printed no listening line within 30 s")

    def start(self):
        for name, binary in SERVICES:
            path = os.path.join(self.bindir, binary)
            if not os.access(path, os.X_OK):
                raise RuntimeError(f"{path} is missing: build armature-orchestrator "
                                   "armature-planner-arm armature-manifest armctl first")
        self.start_one("planner", SERVICES[0][1], [])
        self.start_one("manifest", SERVICES[1][1], [])
        self.start_one("orchestrator", SERVICES[2][1], [
            f"--planner_target={self.grpc['planner']}",
            f"--manifest_target={self.grpc['manifest']}",
            f"--store=sqlite://{self.store}"])

    def stop(self):
        self.resume_planner()
        codes = {}
        for name in ("orchestrator", "planner", "manifest"):
            proc = self.procs.get(name)
            if proc and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for name in ("orchestrator", "planner", "manifest"):
            proc = self.procs.get(name)
            if not proc:
                continue
            try:
                codes[name] = proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                codes[name] = f"killed after 20 s ({proc.wait()})"
        return codes

    def pause_planner(self):
        os.kill(self.procs["planner"].pid, signal.SIGSTOP)
        self.paused = True

    def resume_planner(self):
        if self.paused and self.procs["planner"].poll() is None:
            os.kill(self.procs["planner"].pid, signal.SIGCONT)
        self.paused = False

    # Helpers that talk to the orchestrator with armctl (not examples themselves).
    def armctl(self, *args, timeout=30):
        cmd = [os.path.join(self.bindir, ARMCTL), f"--target={self.grpc['orchestrator']}"] + \
            list(args)
        r = subprocess.run(cmd, cwd=self.src, capture_output=True, text=True, timeout=timeout)
        return r.returncode, r.stdout, r.stderr

    def task(self, task_id):
        rc, out, err = self.armctl("get", task_id, "--json")
        if rc != 0:
            raise RuntimeError(f"armctl get {task_id}: exit {rc}: {err.strip()}")
        doc = json.loads(out)
        return doc.get("task", doc)

    def wait_terminal(self, task_id, timeout=60):
        deadline = time.time() + timeout
        while True:
            t = self.task(task_id)
            if t.get("status") in ("SUCCEEDED", "FAILED", "CANCELLED") or time.time() > deadline:
                return t
            time.sleep(0.1)

    def submit(self, *args):
        rc, out, err = self.armctl("submit", *args, "--json")
        if rc != 0:
            raise RuntimeError(f"armctl submit {' '.join(args)}: exit {rc}: {err.strip()}")
        doc = json.loads(out)
        return doc.get("task", doc)["id"]

    def wait_ready(self):
        deadline = time.time() + 20
        while True:
            rc, out, err = self.armctl("ready", timeout=10)
            if rc == 0:
                return
            if time.time() > deadline:
                raise RuntimeError(f"orchestrator not ready after 20 s:\n{out}{err}")
            time.sleep(0.2)


def tail(path, n=15):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except OSError:
        return ""


# --------------------------------------------------------------------------------------------
# Running one example


class Runner:
    def __init__(self, mesh, bindir, src, tmp, b_value):
        self.mesh, self.bindir, self.src, self.tmp = mesh, bindir, src, tmp
        self.b_value = b_value
        self.files = os.path.join(tmp, "files")  # stands in for /tmp
        os.makedirs(self.files)
        os.makedirs(os.path.join(tmp, "backups"))  # the operations example's /backups
        self.block_env = {}  # block -> {VAR: value} from assignment lines
        self.production_tasks = []  # ids of PRODUCTION tasks, oldest first
        self.fixture_production = None
        self.expensive_done = {}  # rewritten command -> where it already passed
        self.skipped_writes = set()  # (block, file) that a skipped example writes with `> file`

    def prepare_fixtures(self):
        """Tasks that exist before the examples run, so lists and lookups find something."""
        self.mesh.submit("--wait", "Write a short status report for the docs test")
        self.fixture_production = self.mesh.submit(
            "--kind=production", "--wait", "--file=docs/examples/treatment.md")

    def addr(self, port):
        if port in FIXED_GRPC:
            return self.mesh.grpc[FIXED_GRPC[port]]
        return self.mesh.metrics[FIXED_METRICS[port]]

    def rewrite(self, ex, text):
        notes = []
        text = FIXED_ADDR_RE.sub(lambda m: self.addr(m.group(1)), text)
        orch = self.mesh.grpc["orchestrator"]
        if re.search(r"\bHOST:PORT\b|\bADDR\b", text):
            text = re.sub(r"\bHOST:PORT\b|\bADDR\b", orch, text)
            notes.append("HOST:PORT/ADDR = the orchestrator")
        # Paths, in one pass (a replacement is never rewritten again): build/ paths and
        # --build-dir build -> BINARY_DIR; a bare armctl command (as operations.md writes it) ->
        # the built one; /tmp/X -> the scratch directory; the store's documented paths -> the
        # real store; /backups/ -> a scratch directory.
        bindir = self.bindir.rstrip("/")
        armctl = os.path.join(bindir, ARMCTL)
        backups = os.path.join(self.tmp, "backups") + "/"
        pattern = re.compile(
            r"(?P<build>(?<![\w./-])build/)"
            r"|(?P<bdir>(?<=--build-dir[ =])(?:build|BUILD)(?![\w/.-]))"
            r"|(?P<armctl>(?:(?<=^)|(?<=[;&|(]\s)|(?<=[;&|(]))armctl\b)"
            r"|(?P<tmp>(?<![\w.-])/tmp/)"
            r"|(?P<store>(?<![\w/.-])armature-data/armature\.db\b)"
            r"|(?P<backups>(?<![\w.-])/backups/)")
        repl = {"build": bindir + "/", "bdir": bindir, "armctl": armctl,
                "tmp": self.files + "/", "store": self.mesh.store, "backups": backups}
        text = pattern.sub(lambda m: repl[m.lastgroup], text.lstrip())
        return text, notes

    def armctl_target(self, ex, text):
        """armctl commands that rely on armctl's default target get it explicitly."""
        words = command_words(text)
        if not words or not words[0].endswith("/armctl") or "--target" in text or \
                "--help" in words:
            return text
        command = next((w for w in words[1:] if not w.startswith("-")), "")
        service = ARMCTL_DEFAULT_SERVICE.get(command, "orchestrator")
        code, comment = strip_comment(text)
        ex.notes.append(f"armctl's default target = the real {service}")
        return f"{code} --target={self.mesh.grpc[service]}" + (f"  # {comment}" if comment else "")

    def resolve_task_id(self, ex, text, plan):
        if "TASK_ID" not in text:
            return text
        code = strip_comment(text)[0]
        if re.search(r"\bcancel\b|/CancelTask\b", code):
            # A task that is still running: the planner arm is paused (SIGSTOP) so the task
            # stays at PLANNING until the example has cancelled it.
            plan["after"] = self.mesh.resume_planner
            self.mesh.pause_planner()
            tid = self.mesh.submit("Task to cancel for the docs test")
            deadline = time.time() + 10
            while self.mesh.task(tid).get("status") != "PLANNING" and time.time() < deadline:
                time.sleep(0.05)
            ex.notes.append(f"TASK_ID = a GOAL task still at PLANNING ({tid}, planner paused)")
            plan["expect"].append("CANCELLED")
        else:
            tid = self.production_tasks[-1] if self.production_tasks else self.fixture_production
            t = self.mesh.wait_terminal(tid)
            if t.get("status") != "SUCCEEDED":
                raise RuntimeError(f"PRODUCTION task {tid} ended {t.get('status')}, "
                                   f"not SUCCEEDED: {t.get('error')}")
            ex.notes.append(f"TASK_ID = the finished PRODUCTION task {tid}")
            if re.search(r"\bwatch\b|/WatchTask\b", code):
                plan["timeout"] = WATCH_TIMEOUT
                plan["expect"].append("SUCCEEDED")
                plan["watch"] = True
        return text.replace("TASK_ID", tid)

    def plan_checks(self, ex, text):
        """What the example must do: exit code, output, files."""
        code, comment = strip_comment(text.split("\n")[0] if heredoc_word(text) else text)
        plan = {"exit": 0, "expect": [], "timeout": DEFAULT_TIMEOUT, "stream": False,
                "file": None, "after": None, "watch": False, "exact": None}
        m = re.search(r"\bexits?\s+(\d+)\b", comment)
        if m:
            plan["exit"] = int(m.group(1))
        if re.search(r"(^|\s)--wait\b", code) or re.search(r'"wait"\s*:\s*true', code):
            plan["expect"].append("SUCCEEDED")
        if re.search(r"Health/Watch\b", code):
            plan["stream"] = True
            plan["expect"].append("SERVING")
        path_re = r"((?:[^\s$'\"]|\$\([^)]*\))+)"  # a word, $(...) included
        m = re.search(r"(?<![<>&\d])>\s*" + path_re + r"\s*$", code)
        if m:
            plan["file"] = m.group(1)
        m = re.search(r"\.backup\s+'?" + path_re, code)
        if m:
            plan["file"] = m.group(1)
        if re.search(r"integrity_check", code) and comment.strip() == "ok":
            plan["exact"] = "ok"
        return plan

    def prepare_sqlite_copy(self, ex, text):
        """sqlite3 on a database that must exist. deployment.md checks a copy that a skipped
        kubectl line of the same block fetched from the cluster (`> armature-DATE.db`): a backup
        of the live store, in the scratch directory, stands in for it."""
        m = re.match(r"^\s*sqlite3\s+((?:[^\s$'\"]|\$\([^)]*\))+)", text)
        if not m:
            return text
        db = m.group(1)
        if db.startswith(":"):
            return text
        name = subprocess.run(["bash", "-c", f'printf %s "{db}"'], capture_output=True,
                              text=True).stdout
        if (ex.block, db) in self.skipped_writes:
            local = os.path.join(self.files, os.path.basename(name))
            backup_store(self.mesh.store, local)
            ex.notes.append(f"{db} = a backup of the live store in the scratch directory (stands "
                            "in for the copy the skipped kubectl line above fetches)")
            return text[:m.start(1)] + local + text[m.end(1):]
        path = name if os.path.isabs(name) else os.path.join(self.src, name)
        if not os.path.isfile(path):
            # sqlite3 would create an empty database there; the example names the wrong file.
            raise RuntimeError(f"database {db} ({path}) does not exist; not run")
        return text

    def run(self, ex):
        env_key = ex.block
        code = strip_comment(ex.text)[0].strip()
        m = re.match(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$", code, re.S)
        if m and len(command_words(ex.text)) <= 1:
            name, value = m.group(1), m.group(2)
            try:
                value = shlex.split(value)[0] if value else ""
            except ValueError:
                pass
            self.block_env.setdefault(env_key, {})[name] = value
            ex.status = "SETUP"
            ex.reason = f"sets {name} for the lines after it"
            if name == "B" and value != self.b_value:
                ex.status, ex.reason = "FAIL", (f"B differs from docs/api.md's definition "
                                                f"({self.b_value!r})")
            return
        plan = None
        try:
            text, notes = self.rewrite(ex, ex.text)
            ex.notes += notes
            text = self.armctl_target(ex, text)
            plan = self.plan_checks(ex, text)
            text = self.resolve_task_id(ex, text, plan)
            text = self.prepare_sqlite_copy(ex, text)
            left = FIXED_ADDR_RE.search(text)
            if left:
                raise RuntimeError(f"fixed address {left.group(0)} left after rewriting")
            key = strip_comment(text)[0]
            if "--check" in key and key in self.expensive_done:
                ex.status = "PASS"
                ex.notes.append(f"the same command passed at {self.expensive_done[key]}; "
                                "not run twice")
                return
            self.execute(ex, text, plan)
            if ex.status == "PASS" and "--check" in key:
                self.expensive_done[key] = ex.where
        except Exception as e:  # a broken fixture is this example's failure, with the reason
            ex.status, ex.reason = "FAIL", f"{type(e).__name__}: {e}"
        finally:
            if plan and plan["after"]:
                plan["after"]()

    def execute(self, ex, text, plan):
        env = dict(os.environ)
        env["B"] = self.b_value
        env.update(self.block_env.get(ex.block, {}))
        env["LC_ALL"] = "C.UTF-8"
        prelude = "set -o pipefail\n"
        # Each example's output stays in the scratch directory (kept after a failure or --keep).
        base = os.path.join(self.tmp, "examples", re.sub(r"[^\w.-]", "_", ex.where))
        os.makedirs(os.path.dirname(base), exist_ok=True)
        out_path, err_path = base + ".stdout", base + ".stderr"
        ex.rewritten = text
        start = time.time()
        with open(out_path, "w") as out, open(err_path, "w") as err:
            proc = subprocess.Popen(["bash", "-c", prelude + text], cwd=self.src, env=env,
                                    stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                    start_new_session=True)
            limit = STREAM_SECONDS if plan["stream"] else plan["timeout"]
            timed_out = False
            try:
                rc = proc.wait(timeout=limit)
            except BaseException as e:
                if not isinstance(e, subprocess.TimeoutExpired):
                    os.killpg(proc.pid, signal.SIGKILL)  # interrupted: leave nothing behind
                    raise
                timed_out = True
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    rc = proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    rc = proc.wait()
        ex.seconds = time.time() - start
        stdout = open(out_path, errors="replace").read()
        stderr = open(err_path, errors="replace").read()
        ex.stdout, ex.stderr, ex.rc = stdout, stderr, rc
        problems = []
        if plan["stream"]:
            if not timed_out:
                problems.append(f"the stream ended by itself (exit {rc}); it should stay open")
            else:
                ex.notes.append(f"stream followed for {STREAM_SECONDS} s, then stopped")
        elif timed_out:
            what = "watch of a finished task did not end" if plan["watch"] else "did not finish"
            problems.append(f"{what} within {limit} s (killed)")
        elif rc != plan["exit"]:
            problems.append(f"exit {rc}, expected {plan['exit']}")
        if plan["file"]:
            path = plan["file"]
            if "$(" in path:
                path = subprocess.run(["bash", "-c", f'printf %s "{path}"'], cwd=self.src,
                                      capture_output=True, text=True).stdout
            path = path if os.path.isabs(path) else os.path.join(self.src, path)
            if not path or not os.path.isfile(path) or os.path.getsize(path) == 0:
                problems.append(f"wrote nothing to {path}")
            elif path.endswith(".db"):
                check = sqlite3.connect(path).execute("PRAGMA integrity_check").fetchone()[0]
                if check != "ok":
                    problems.append(f"{path}: integrity_check says {check}")
                else:
                    ex.notes.append(f"{os.path.basename(path)} passes PRAGMA integrity_check")
        elif not stdout.strip():
            problems.append("no output on stdout")
        if plan["exact"] is not None and stdout.strip() != plan["exact"]:
            problems.append(f"output {stdout.strip()!r}, the comment says {plan['exact']!r}")
        for word in plan["expect"]:
            if word not in stdout:
                problems.append(f"{word} not in the output")
        words = command_words(text)
        is_submit = "submit" in words[:3] or re.search(r"/SubmitTask\b", text)
        if is_submit and not problems:
            ids = UUID_RE.findall(stdout)
            if not ids:
                problems.append("no task id in the output")
            else:
                t = self.mesh.task(ids[0])
                if t.get("kind") == "PRODUCTION":
                    self.production_tasks.append(ids[0])
        ex.status = "FAIL" if problems else "PASS"
        ex.reason = "; ".join(problems)


def backup_store(store, dest):
    src = sqlite3.connect(store, timeout=10)
    dst = sqlite3.connect(dest)
    with dst:
        src.backup(dst)
    dst.close()
    src.close()


# --------------------------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("binary_dir")
    ap.add_argument("source_dir")
    ap.add_argument("--list", action="store_true", help="only list the examples and the verdict "
                    "of the classification, start nothing")
    ap.add_argument("--keep", action="store_true", default=os.environ.get("DOCS_EXAMPLES_KEEP")
                    == "1", help="keep the scratch directory (also DOCS_EXAMPLES_KEEP=1)")
    args = ap.parse_args()
    bindir = os.path.abspath(args.binary_dir)
    src = os.path.abspath(args.source_dir)

    examples = []
    for rel in doc_files(src):
        examples += extract(src, rel)
    have_grpcurl = shutil.which("grpcurl") is not None
    for ex in examples:
        reason = classify(ex, have_grpcurl)
        if reason == "UNCLASSIFIED":
            ex.status = "FAIL"
            ex.reason = ("no rule to run or skip this command: teach tests/docs/"
                         "run_doc_examples.py (classify) how to run it, or why it cannot run here")
        elif reason:
            ex.status, ex.reason = "SKIP", reason
    print(f"{len(examples)} examples in {len(doc_files(src))} files "
          f"({sum(e.status is None for e in examples)} to run)")
    if args.list:
        for ex in examples:
            print(f"  {ex.status or 'RUN':5} {ex.where:28} [{ex.origin}] {ex.display}"
                  + (f"\n        {ex.reason}" if ex.reason else ""))
        return 0
    if not any(e.status is None for e in examples):
        print("FAIL: no runnable example found; the extraction is broken")
        return 1

    tmp = tempfile.mkdtemp(prefix="armature-docs-")
    mesh = Mesh(bindir, src, tmp)
    runner = Runner(mesh, bindir, src, tmp, b_definition(src))
    for ex in examples:
        m = re.search(r"(?<![<>&\d])>\s*((?:[^\s$'\"]|\$\([^)]*\))+)\s*$",
                      strip_comment(ex.text)[0])
        if ex.status == "SKIP" and m:
            runner.skipped_writes.add((ex.block, m.group(1)))
    failed_setup = None

    def on_signal(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, on_signal)
    codes = {}
    try:
        print(f"starting the mesh (scratch directory {tmp}):")
        mesh.start()
        mesh.wait_ready()
        runner.prepare_fixtures()
        print()
        for ex in examples:
            if ex.status is not None:
                if ex.status == "SKIP":
                    print(f"SKIP  {ex.where}  {ex.display}\n      ({ex.reason})")
                else:
                    print(f"FAIL  {ex.where}  {ex.display}\n      {ex.reason}")
                continue
            runner.run(ex)
            print(f"{ex.status:5} {ex.where}  {ex.display}  ({ex.seconds:.1f}s)")
            for note in ex.notes:
                print(f"      - {note}")
            if ex.status == "SETUP":
                print(f"      ({ex.reason})")
            if ex.status == "FAIL":
                print(f"      {ex.reason}")
                rewritten = getattr(ex, "rewritten", None)
                if rewritten:
                    print("      ran: " + rewritten.replace("\n", "\n           "))
                for label in ("stdout", "stderr"):
                    data = getattr(ex, label, "")
                    if data and data.strip():
                        lines = data.rstrip().split("\n")
                        print(f"      {label} ({len(lines)} lines, last 10):")
                        for l in lines[-10:]:
                            print(f"        | {l}")
    except (Exception, KeyboardInterrupt) as e:
        failed_setup = f"{type(e).__name__}: {e}"
    finally:
        codes = mesh.stop()

    ran = [e for e in examples if e.status in ("PASS", "FAIL") and not (
        e.status == "FAIL" and e.reason.startswith("no rule"))]
    passed = [e for e in examples if e.status == "PASS"]
    failed = [e for e in examples if e.status == "FAIL"]
    skipped = [e for e in examples if e.status == "SKIP"]
    setup = [e for e in examples if e.status == "SETUP"]
    print()
    print(f"services stopped with SIGTERM: " +
          ", ".join(f"{n} exit {c}" for n, c in codes.items()))
    print()
    print(f"Skipped ({len(skipped)}), not run here:")
    by_reason = {}
    for ex in skipped:
        by_reason.setdefault(ex.reason, []).append(ex)
    for reason, exs in by_reason.items():
        print(f"  {reason}:")
        for ex in exs:
            print(f"    {ex.where:28} [{ex.origin}] {ex.display}")
    print()
    print(f"{len(examples)} examples: {len(passed)} passed, {len(failed)} failed, "
          f"{len(skipped)} skipped, {len(setup)} setup lines")
    if failed_setup:
        print(f"FAIL: the run stopped early: {failed_setup}")
        print(f"(service logs kept in {tmp})")
        not_run = [e for e in examples if e.status is None]
        if not_run:
            print(f"{len(not_run)} examples were not reached")
        return 1
    if failed:
        print("FAILED examples:")
        for ex in failed:
            print(f"  {ex.where}  {ex.display}\n      {ex.reason}")
        print(f"(service logs and scratch files kept in {tmp})")
        return 1
    if args.keep:
        print(f"scratch directory kept: {tmp}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    print("all examples passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
