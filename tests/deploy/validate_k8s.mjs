#!/usr/bin/env node
// Renders deploy/k8s with `kubectl kustomize` and checks what it would apply:
//   1. every object against the Kubernetes API schema (kubernetes-models' validate(), plus a
//      strict unknown-field check driven by the same package's type definitions, as
//      `kubectl apply --validate=strict` would do);
//   2. against what the Armature binaries serve: ports, health service names, flags, the arms'
//      headless Services behind the orchestrator's targets, ConfigMap keys behind every file
//      flag and volume, Secret references, NetworkPolicy, security context, shutdown timing;
//   3. per variant: base is namespace-agnostic, dev runs one replica of each with text logs,
//      prod has an HPA and a PodDisruptionBudget per arm, limits and spread constraints.
//
// Usage: node tests/deploy/validate_k8s.mjs [--build-dir DIR] [--self-test] VARIANT...
//   VARIANT      base | dev | prod  (deploy/k8s/base, deploy/k8s/overlays/NAME)
//   --build-dir  a CMake build directory: the binaries built there are asked for --help, and
//                their default ports and flags must match the manifests (a binary not built
//                there is reported and checked against the contract table only)
//   --self-test  also break the rendered objects in known ways (a wrong probe port, a wrong
//                target, an open NetworkPolicy, ...) and fail unless every break is caught
// Environment: KUBECTL (default kubectl). Exit 0 = all good, 1 = problems (each printed),
// 77 = skipped (no kubectl). The files render with the kustomize in Debian 12's kubectl 1.20
// (v2: `bases`, patchesStrategicMerge, patchesJson6902) as well as with current ones.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join, posix, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const SOURCE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const MODELS_DIR = join(SOURCE_DIR, "node_modules/kubernetes-models");
const APIMACHINERY_DIR = join(SOURCE_DIR, "node_modules/@kubernetes-models/apimachinery");
const KUBECTL = process.env.KUBECTL || "kubectl";
const SKIP = 77;
// npm packages of package.json (scripts/setup.sh installs them into node_modules).
let parseAllDocuments, parseYaml;
try {
  ({ parseAllDocuments, parse: parseYaml } = await import("yaml"));
  await import("kubernetes-models/v1");
} catch (e) {
  console.log(`FAIL the npm packages yaml and kubernetes-models are not installed (${e.code}): run scripts/setup.sh`);
  process.exit(1);
}

// The contract (shared/DESIGN.md): what each binary serves by default and which files it reads.
// `files` maps a file flag to the config/ file whose content the mounted ConfigMap key must hold;
// `prompts` are the templates --prompts_dir must hold (a built binary's --help may name more).
const SERVICES = [
  {
    deployment: "armature-orchestrator", container: "orchestrator", component: "orchestrator",
    binary: "services/orchestrator/armature-orchestrator", grpc: 50051, metrics: 9091,
    files: { pipeline_config: "pipelines/default.yaml" }, prompts: [], arm: false,
  },
  {
    deployment: "armature-planner-arm", container: "planner-arm", component: "planner-arm",
    binary: "services/planner_arm/armature-planner-arm", grpc: 50052, metrics: 9092,
    files: { arms_config: "arms.yaml", llm_config: "llm.example.yaml" },
    prompts: ["planner.yaml", "scene.yaml"], arm: true, targetFlag: "planner_target",
  },
  {
    deployment: "armature-manifest", container: "manifest", component: "manifest",
    binary: "services/manifest/armature-manifest", grpc: 50053, metrics: 9093,
    files: { manifest_config: "manifest.yaml", llm_config: "llm.example.yaml" },
    prompts: ["manifest_extract.yaml", "manifest_repair.yaml"], arm: true, targetFlag: "manifest_target",
  },
];
const ORCHESTRATOR = SERVICES[0];
const ARMS = SERVICES.filter((s) => s.arm);
const VARIANTS = {
  base: { dir: "deploy/k8s/base", namespace: undefined, logFormat: "json" },
  dev: { dir: "deploy/k8s/overlays/dev", namespace: "armature-dev", logFormat: "text" },
  prod: { dir: "deploy/k8s/overlays/prod", namespace: "armature", logFormat: "json" },
};
const LLM_SECRET = "armature-llm-keys";
const NONROOT_UID = 65532;
const METRICS_STOP_SECONDS = 1.5;  // docs/operations.md: stopping the metrics endpoint
const PART_OF = "app.kubernetes.io/part-of";
const NAME = "app.kubernetes.io/name";
const COMPONENT = "app.kubernetes.io/component";

// ---------------------------------------------------------------------------------------------
// Rendering


function render(variant) {
  const dir = join(SOURCE_DIR, VARIANTS[variant].dir);
  let out;
  try {
    out = execFileSync(KUBECTL, ["kustomize", dir], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    throw new Error(`kubectl kustomize ${VARIANTS[variant].dir} failed:\n${e.stderr || e.message}`);
  }
  const objects = [];
  for (const doc of parseAllDocuments(out)) {
    if (doc.errors.length) throw new Error(`rendered YAML does not parse: ${doc.errors[0].message}`);
    const o = doc.toJS();
    if (o !== null) objects.push(o);
  }
  return objects;
}

// ---------------------------------------------------------------------------------------------
// Schema: kubernetes-models' validators, and unknown fields from its type definitions.

const moduleCache = new Map();
async function modelClass(apiVersion, kind) {
  if (!moduleCache.has(apiVersion)) {
    let mod = null;
    try {
      mod = await import(`kubernetes-models/${apiVersion}`);
    } catch {
      mod = null;
    }
    moduleCache.set(apiVersion, mod);
  }
  const mod = moduleCache.get(apiVersion);
  return mod && typeof mod[kind] === "function" ? mod[kind] : null;
}

const interfaceCache = new Map();
// Parses the first `export interface` of a kubernetes-models .d.ts file into
// {props: Map(field -> type text), imports: Map(type name -> .d.ts path)}; null for type aliases
// (IntOrString, Quantity, Time), which are leaves.
function loadInterface(file) {
  if (interfaceCache.has(file)) return interfaceCache.get(file);
  let result = null;
  if (existsSync(file)) {
    const text = readFileSync(file, "utf8").replace(/\/\*\*[\s\S]*?\*\//g, "");
    const imports = new Map();
    for (const m of text.matchAll(/import \{([^}]+)\} from "([^"]+)";/g)) {
      let path = null;
      if (m[2].startsWith(".")) path = resolve(dirname(file), `${m[2]}.d.ts`);
      else if (m[2].startsWith("@kubernetes-models/apimachinery/")) {
        path = join(APIMACHINERY_DIR, `${m[2].slice("@kubernetes-models/apimachinery/".length)}.d.ts`);
      }
      if (path) for (const name of m[1].split(",")) imports.set(name.trim(), path);
    }
    const start = text.search(/^export interface \w+/m);
    if (start >= 0) {
      const lines = text.slice(start).split("\n");
      const props = new Map();
      for (let i = 1; i < lines.length && lines[i] !== "}"; i++) {
        const m = /^ {4}"([^"]+)"\??: (.*)$/.exec(lines[i]);
        if (!m) continue;
        let type = m[2];
        while (type.trim() === "{" || (type.startsWith("{") && !type.endsWith("};"))) {
          type += lines[++i].trim();
        }
        props.set(m[1], type.replace(/;$/, ""));
      }
      result = { props, imports };
    }
  }
  interfaceCache.set(file, result);
  return result;
}

function checkUnknownFields(value, type, imports, path, errors) {
  if (value === null || value === undefined) return;
  let m;
  if ((m = /^Array<(\w+)>$/.exec(type))) {
    if (Array.isArray(value)) value.forEach((v, i) => checkUnknownFields(v, m[1], imports, `${path}[${i}]`, errors));
  } else if ((m = /^\{\s*\[key: string\]: (\w+);\s*\}$/.exec(type))) {
    if (typeof value === "object") {
      for (const [k, v] of Object.entries(value)) checkUnknownFields(v, m[1], imports, `${path}.${k}`, errors);
    }
  } else if (imports.has(type)) {
    const iface = loadInterface(imports.get(type));
    if (!iface || typeof value !== "object" || Array.isArray(value)) return;
    for (const [k, v] of Object.entries(value)) {
      if (!iface.props.has(k)) errors.push(`${path ? `${path}.` : ""}${k}: unknown field`);
      else checkUnknownFields(v, iface.props.get(k), iface.imports, path ? `${path}.${k}` : k, errors);
    }
  }
}

async function checkSchema(o, report) {
  const Model = await modelClass(o.apiVersion, o.kind);
  if (!Model) {
    report(`${o.apiVersion} ${o.kind} is not a Kubernetes API type known to kubernetes-models`);
    return;
  }
  try {
    new Model(o).validate();
  } catch (e) {
    report(`schema: ${e.message}`);
  }
  const file = join(MODELS_DIR, o.apiVersion, `${o.kind}.d.ts`);
  const errors = [];
  const type = "Root";
  checkUnknownFields(o, type, new Map([[type, file]]), "", errors);
  for (const e of errors) report(`schema: ${e}`);
}

// ---------------------------------------------------------------------------------------------
// What the built binaries say about themselves (--help).

function binaryFacts(buildDir, svc) {
  if (!buildDir) return null;
  const path = join(buildDir, svc.binary);
  if (!existsSync(path)) return null;
  const r = spawnSync(path, ["--help"], { encoding: "utf8", timeout: 20000 });
  const text = `${r.stdout || ""}${r.stderr || ""}`;
  const d = /Defaults: --listen=(\S+) --metrics_listen=(\S+)/.exec(text);
  const flags = new Set([...text.matchAll(/^\s+--(\w+) \(/gm)].map((m) => m[1]));
  if (!d || flags.size === 0) throw new Error(`${path} --help did not list its defaults and flags:\n${text}`);
  const port = (a) => Number(a.slice(a.lastIndexOf(":") + 1));
  // The prompt files the --prompts_dir help names ("Directory with planner.yaml and ...").
  const promptsHelp = /--prompts_dir \(([^)]*)\)/.exec(text)?.[1] || "";
  const prompts = [...new Set([...promptsHelp.matchAll(/(\w+\.yaml)/g)].map((m) => m[1]))];
  return { path, grpc: port(d[1]), metrics: port(d[2]), flags, prompts };
}

// ---------------------------------------------------------------------------------------------
// Helpers over rendered objects

const find = (objs, kind, name) => objs.find((o) => o.kind === kind && o.metadata?.name === name);
const labelsOf = (o) => o?.metadata?.labels || {};

function selectorMatches(selector, labels) {
  if (!selector) return false;
  const ml = selector.matchLabels || {};
  const me = selector.matchExpressions || [];
  if (Object.keys(ml).length === 0 && me.length === 0) return true;
  for (const [k, v] of Object.entries(ml)) if (labels[k] !== v) return false;
  for (const e of me) {
    const has = Object.hasOwn(labels, e.key);
    if (e.operator === "In" && !(has && e.values.includes(labels[e.key]))) return false;
    if (e.operator === "NotIn" && has && e.values.includes(labels[e.key])) return false;
    if (e.operator === "Exists" && !has) return false;
    if (e.operator === "DoesNotExist" && has) return false;
  }
  return true;
}

// Container args as a flag map (last value wins, as with absl flags); $(VAR) resolved from env.
function parseArgs(container, objs, namespace, report) {
  const env = new Map();
  for (const e of container.env || []) {
    if (e.value !== undefined) env.set(e.name, e.value);
    else if (e.valueFrom?.fieldRef?.fieldPath === "metadata.namespace") env.set(e.name, namespace ?? "pod-namespace");
    else if (e.valueFrom?.configMapKeyRef) {
      const ref = e.valueFrom.configMapKeyRef;
      const cm = find(objs, "ConfigMap", ref.name);
      if (cm?.data && Object.hasOwn(cm.data, ref.key)) env.set(e.name, cm.data[ref.key]);
    }
  }
  const flags = new Map();
  for (const arg of [...(container.command || []).slice(1), ...(container.args || [])]) {
    const m = /^--([\w]+)(?:=(.*))?$/s.exec(arg);
    if (!m) {
      report(`args: "${arg}" is not a --flag=value argument`);
      continue;
    }
    const value = (m[2] ?? "true").replace(/\$\((\w+)\)/g, (_, name) => {
      if (!env.has(name)) report(`args: --${m[1]} uses $(${name}), which no env entry of the container defines`);
      return env.get(name) ?? "";
    });
    flags.set(m[1], value);
  }
  return flags;
}

// The mount holding `path` (longest mountPath prefix), its volume, and the file's name in it.
function volumeFor(pod, container, path) {
  let best = null;
  for (const vm of container.volumeMounts || []) {
    const root = vm.mountPath.replace(/\/$/, "");
    if ((path === root || path.startsWith(`${root}/`)) && (!best || root.length > best.root.length)) {
      best = { mount: vm, root };
    }
  }
  if (!best) return null;
  const volume = (pod.volumes || []).find((v) => v.name === best.mount.name);
  return { mount: best.mount, volume, rel: posix.relative(best.root, path) };
}

// The ConfigMap key a file at `rel` inside a configMap volume comes from (null if none).
function configMapKeyAt(volume, objs, rel) {
  const cm = find(objs, "ConfigMap", volume.configMap.name);
  if (!cm) return { cm: null, key: null };
  const items = volume.configMap.items;
  const key = items ? items.find((i) => i.path === rel)?.key : rel;
  return { cm, key: key !== undefined && cm.data && Object.hasOwn(cm.data, key) ? key : null };
}

function imageParts(image) {
  const noDigest = image.split("@")[0];
  const slash = noDigest.lastIndexOf("/");
  const colon = noDigest.lastIndexOf(":");
  const hasTag = colon > slash;
  const repo = hasTag ? noDigest.slice(0, colon) : noDigest;
  return { name: repo.slice(repo.lastIndexOf("/") + 1), tag: hasTag ? noDigest.slice(colon + 1) : "" };
}

function projectVersion() {
  const m = /project\(armature VERSION ([\d.]+)/.exec(readFileSync(join(SOURCE_DIR, "CMakeLists.txt"), "utf8"));
  return m ? m[1] : null;
}

// ---------------------------------------------------------------------------------------------
// Consistency checks

function checkService(ctx, svc) {
  const { objs, variant, namespace } = ctx;
  const dep = find(objs, "Deployment", svc.deployment);
  const report = (msg) => ctx.report(`Deployment/${svc.deployment}: ${msg}`);
  if (!dep) {
    ctx.report(`no Deployment named ${svc.deployment}`);
    return;
  }
  const facts = ctx.facts.get(svc.deployment);
  const grpcPort = facts?.grpc ?? svc.grpc;
  const metricsPort = facts?.metrics ?? svc.metrics;
  const tmpl = dep.spec?.template || {};
  const pod = tmpl.spec || {};
  const podLabels = labelsOf(tmpl);

  for (const [k, v] of [[NAME, svc.deployment], [COMPONENT, svc.component], [PART_OF, "armature"]]) {
    if (labelsOf(dep)[k] !== v) report(`label ${k} should be "${v}"`);
    if (podLabels[k] !== v) report(`pod template label ${k} should be "${v}"`);
  }
  if (!selectorMatches(dep.spec?.selector, podLabels) || !dep.spec?.selector?.matchLabels) {
    report("spec.selector does not select its own pod template");
  }

  const container = (pod.containers || []).find((c) => c.name === svc.container);
  if (!container) {
    report(`no container named ${svc.container}`);
    return;
  }
  const cpath = `container ${svc.container}`;

  const img = imageParts(container.image || "");
  const binaryName = svc.binary.slice(svc.binary.lastIndexOf("/") + 1);
  if (img.name !== binaryName) report(`${cpath}: image ${container.image} is not an ${binaryName} image`);
  if (ctx.version && img.tag !== ctx.version) {
    report(`${cpath}: image tag "${img.tag}" should be the project version ${ctx.version}`);
  }

  const portNamed = (n) => (container.ports || []).find((p) => p.name === n);
  if (portNamed("grpc")?.containerPort !== grpcPort) {
    report(`${cpath}: port "grpc" should be containerPort ${grpcPort} (the binary's gRPC port)`);
  }
  if (portNamed("metrics")?.containerPort !== metricsPort) {
    report(`${cpath}: port "metrics" should be containerPort ${metricsPort} (the binary's metrics port)`);
  }

  const flags = parseArgs(container, objs, namespace, (m) => report(`${cpath}: ${m}`));
  if (flags.get("listen") !== `0.0.0.0:${grpcPort}`) {
    report(`${cpath}: --listen is "${flags.get("listen")}", expected 0.0.0.0:${grpcPort} (reachable from other pods)`);
  }
  if (flags.get("metrics_listen") !== `0.0.0.0:${metricsPort}`) {
    report(`${cpath}: --metrics_listen is "${flags.get("metrics_listen")}", expected 0.0.0.0:${metricsPort}`);
  }
  if (flags.get("log_format") !== VARIANTS[variant].logFormat) {
    report(`${cpath}: --log_format resolves to "${flags.get("log_format")}", expected ${VARIANTS[variant].logFormat} in ${variant}`);
  }
  if (facts) {
    for (const f of flags.keys()) {
      if (!facts.flags.has(f)) report(`${cpath}: --${f} is not a flag of ${facts.path} (see its --help)`);
    }
  }

  // Probes: native gRPC, health service "" (liveness) and "readiness".
  const probes = { startupProbe: "", livenessProbe: "", readinessProbe: "readiness" };
  for (const [name, service] of Object.entries(probes)) {
    const p = container[name];
    if (!p?.grpc) {
      report(`${cpath}: ${name} should be a native gRPC probe`);
      continue;
    }
    if (p.grpc.port !== grpcPort) report(`${cpath}: ${name}.grpc.port is ${p.grpc.port}, expected ${grpcPort}`);
    if ((p.grpc.service ?? "") !== service) {
      report(`${cpath}: ${name}.grpc.service is "${p.grpc.service ?? ""}", expected "${service}"`);
    }
  }

  // Shutdown: preStop delay, then SIGTERM and the binary's drain, all within the grace period.
  const pre = container.lifecycle?.preStop;
  let preStopSeconds = null;
  if (pre?.sleep) preStopSeconds = Number(pre.sleep.seconds);
  else if (pre?.exec?.command?.[0]?.endsWith("sleep")) preStopSeconds = Number(pre.exec.command[1]);
  if (!(preStopSeconds > 0)) {
    report(`${cpath}: lifecycle.preStop should sleep a few seconds so endpoints are removed before SIGTERM`);
  }
  const grace = Number(flags.get("shutdown_grace_seconds") ?? 10);
  const tgps = pod.terminationGracePeriodSeconds ?? 30;
  if (!(tgps > (preStopSeconds || 0) + grace + METRICS_STOP_SECONDS)) {
    report(`terminationGracePeriodSeconds ${tgps} should exceed preStop ${preStopSeconds}s + ` +
           `--shutdown_grace_seconds ${grace}s + ${METRICS_STOP_SECONDS}s`);
  }

  // Prometheus scrape annotations.
  const ann = tmpl.metadata?.annotations || {};
  if (ann["prometheus.io/scrape"] !== "true") report('pod annotation prometheus.io/scrape should be "true"');
  if (ann["prometheus.io/port"] !== String(metricsPort)) {
    report(`pod annotation prometheus.io/port is "${ann["prometheus.io/port"]}", expected "${metricsPort}"`);
  }
  if (ann["prometheus.io/path"] !== "/metrics") report('pod annotation prometheus.io/path should be "/metrics"');

  // Security context.
  const psc = pod.securityContext || {};
  const csc = container.securityContext || {};
  if ((csc.runAsNonRoot ?? psc.runAsNonRoot) !== true) report(`${cpath}: runAsNonRoot should be true`);
  if ((csc.runAsUser ?? psc.runAsUser) !== NONROOT_UID) report(`${cpath}: runAsUser should be ${NONROOT_UID}`);
  if (csc.readOnlyRootFilesystem !== true) report(`${cpath}: securityContext.readOnlyRootFilesystem should be true`);
  if (csc.allowPrivilegeEscalation !== false) report(`${cpath}: allowPrivilegeEscalation should be false`);
  if (csc.privileged) report(`${cpath}: must not be privileged`);
  if (!(csc.capabilities?.drop || []).includes("ALL")) report(`${cpath}: capabilities should drop ALL`);
  if (csc.capabilities?.add?.length) report(`${cpath}: must not add capabilities`);
  if ((csc.seccompProfile ?? psc.seccompProfile)?.type !== "RuntimeDefault") {
    report(`${cpath}: seccompProfile should be RuntimeDefault`);
  }

  // Resources.
  const res = container.resources || {};
  for (const r of ["cpu", "memory"]) {
    if (!res.requests?.[r]) report(`${cpath}: resources.requests.${r} should be set`);
    if (variant === "prod" && !res.limits?.[r]) report(`${cpath}: resources.limits.${r} should be set in prod`);
  }

  // Volumes: every mount has its volume; configMap volumes name a rendered ConfigMap and keys.
  for (const vm of container.volumeMounts || []) {
    if (!(pod.volumes || []).some((v) => v.name === vm.name)) report(`${cpath}: volumeMount ${vm.name} has no volume`);
  }
  for (const v of pod.volumes || []) {
    if (!v.configMap) continue;
    const cm = find(objs, "ConfigMap", v.configMap.name);
    if (!cm) {
      report(`volume ${v.name}: ConfigMap ${v.configMap.name} is not part of the rendered objects`);
      continue;
    }
    for (const item of v.configMap.items || []) {
      if (!cm.data || !Object.hasOwn(cm.data, item.key)) {
        report(`volume ${v.name}: ConfigMap ${cm.metadata.name} has no key ${item.key}`);
      }
    }
  }
  if (csc.readOnlyRootFilesystem && !volumeFor(pod, container, "/tmp/x")) {
    report(`${cpath}: root filesystem is read-only but /tmp is not a volume`);
  }

  // Env: ConfigMap keys exist; Secrets are only the optional LLM keys (never rendered here).
  for (const e of container.env || []) {
    const cmr = e.valueFrom?.configMapKeyRef;
    if (cmr && !cmr.optional) {
      const cm = find(objs, "ConfigMap", cmr.name);
      if (!cm?.data || !Object.hasOwn(cm.data, cmr.key)) report(`${cpath}: env ${e.name}: ConfigMap ${cmr.name} has no key ${cmr.key}`);
    }
    const sr = e.valueFrom?.secretKeyRef;
    if (sr && (sr.name !== LLM_SECRET || sr.optional !== true)) {
      report(`${cpath}: env ${e.name}: Secret references should be to ${LLM_SECRET} with optional: true`);
    }
  }

  // File flags: each resolves to a mounted ConfigMap key holding exactly config/<file>.
  for (const [flag, source] of Object.entries(svc.files)) {
    const path = flags.get(flag);
    if (!path) {
      report(`${cpath}: --${flag} is not set`);
      continue;
    }
    const at = volumeFor(pod, container, path);
    if (!at?.volume?.configMap) {
      report(`${cpath}: --${flag}=${path} is not inside a mounted ConfigMap volume`);
      continue;
    }
    const { cm, key } = configMapKeyAt(at.volume, objs, at.rel);
    if (!key) {
      report(`${cpath}: --${flag}=${path}: ConfigMap ${at.volume.configMap.name} provides no ${at.rel}`);
      continue;
    }
    const expected = readFileSync(join(SOURCE_DIR, "config", source), "utf8");
    if (cm.data[key] !== expected) {
      report(`${cpath}: --${flag}: ConfigMap ${cm.metadata.name} key ${key} differs from config/${source}`);
    }
    if (flag === "llm_config") checkLlmKeys(cm.data[key], container, (m) => report(`${cpath}: ${m}`));
  }
  const prompts = [...new Set([...svc.prompts, ...(facts?.prompts || [])])];
  if (prompts.length) {
    const dir = flags.get("prompts_dir");
    const at = dir && volumeFor(pod, container, `${dir}/x`);
    if (!at?.volume?.configMap || at.mount.mountPath.replace(/\/$/, "") !== dir) {
      report(`${cpath}: --prompts_dir=${dir} should be the mountPath of the prompts ConfigMap`);
    } else {
      for (const f of prompts) {
        const { cm, key } = configMapKeyAt(at.volume, objs, f);
        if (!key) report(`${cpath}: --prompts_dir=${dir}: prompts ConfigMap provides no ${f}`);
        else if (cm.data[key] !== readFileSync(join(SOURCE_DIR, "config/prompts", f), "utf8")) {
          report(`${cpath}: prompts ConfigMap key ${key} differs from config/prompts/${f}`);
        }
      }
    }
  }

  if (!svc.arm) checkOrchestrator(ctx, dep, container, flags, report);
  else checkArm(ctx, svc, dep, podLabels, grpcPort, metricsPort);
}

// Every provider's api_key_env in the mounted llm.yaml is an env entry from the optional Secret.
function checkLlmKeys(text, container, report) {
  let config;
  try {
    config = parseYaml(text);
  } catch (e) {
    report(`llm config does not parse: ${e.message}`);
    return;
  }
  for (const p of config?.providers || []) {
    const envName = p.api_key_env ?? (p.kind === "anthropic" ? "ANTHROPIC_API_KEY" : null);
    if (!envName) continue;
    const e = (container.env || []).find((x) => x.name === envName);
    if (!e?.valueFrom?.secretKeyRef) {
      report(`env ${envName} (api_key_env of LLM provider ${p.name || p.model}) should come from Secret ${LLM_SECRET}`);
    }
  }
}

function checkOrchestrator(ctx, dep, container, flags, report) {
  const { objs, variant, namespace } = ctx;
  if ((dep.spec.replicas ?? 1) !== 1) report("the orchestrator must run exactly 1 replica (SQLite store)");
  if (dep.spec.strategy?.type !== "Recreate") report("strategy should be Recreate (one writer on the store volume)");
  const pod = dep.spec.template.spec;

  // Store: sqlite:///<absolute path> on a writable PersistentVolumeClaim.
  const store = flags.get("store") || "";
  const m = /^sqlite:\/\/(\/.+)$/.exec(store);
  if (!m) {
    report(`--store is "${store}", expected sqlite:///<absolute path on the data volume>`);
  } else {
    const at = volumeFor(pod, container, m[1]);
    const claim = at?.volume?.persistentVolumeClaim?.claimName;
    if (!claim) report(`--store path ${m[1]} is not on a PersistentVolumeClaim volume`);
    else if (!find(objs, "PersistentVolumeClaim", claim)) report(`PersistentVolumeClaim ${claim} is not rendered`);
    if (at?.mount?.readOnly) report(`--store path ${m[1]} is mounted read-only`);
  }

  // Targets: dns:///<headless Service>.<namespace>.svc.cluster.local:<grpc port> of each arm.
  for (const arm of ARMS) {
    const target = flags.get(arm.targetFlag) || "";
    const t = /^dns:\/\/\/([a-z0-9-]+)\.([a-z0-9-]+)\.svc\.cluster\.local:(\d+)$/.exec(target);
    if (!t) {
      report(`--${arm.targetFlag}=${target} should be dns:///<service>.<namespace>.svc.cluster.local:<port>`);
      continue;
    }
    if (namespace !== undefined && t[2] !== namespace) {
      report(`--${arm.targetFlag} names namespace ${t[2]}, the objects are in ${namespace}`);
    }
    const armDep = find(objs, "Deployment", arm.deployment);
    const armPod = labelsOf(armDep?.spec?.template);
    const svcObj = find(objs, "Service", t[1]);
    if (!svcObj) {
      report(`--${arm.targetFlag} names Service ${t[1]}, which is not rendered`);
      continue;
    }
    if (svcObj.spec?.clusterIP !== "None") {
      report(`--${arm.targetFlag}: Service ${t[1]} should be headless (clusterIP: None) so gRPC balances over pods`);
    }
    if (!svcObj.spec?.selector || !selectorMatches({ matchLabels: svcObj.spec.selector }, armPod)) {
      report(`--${arm.targetFlag}: Service ${t[1]} does not select the ${arm.deployment} pods`);
    }
    const grpcPort = ctx.facts.get(arm.deployment)?.grpc ?? arm.grpc;
    const sp = (svcObj.spec?.ports || []).find((p) => p.name === "grpc");
    if (!sp || sp.port !== Number(t[3])) {
      report(`--${arm.targetFlag} uses port ${t[3]}, Service ${t[1]} should have a port named grpc with that number`);
    } else if (sp.targetPort !== "grpc" && (sp.targetPort ?? sp.port) !== grpcPort) {
      report(`Service ${t[1]}: port grpc should target the container's grpc port ${grpcPort}`);
    } else if (Number(t[3]) !== grpcPort) {
      report(`--${arm.targetFlag} uses port ${t[3]}, the ${arm.deployment} gRPC port is ${grpcPort}`);
    }
  }
  const env = (container.env || []).find((e) => e.name === "POD_NAMESPACE");
  if (env && env.valueFrom?.fieldRef?.fieldPath !== "metadata.namespace") {
    report("env POD_NAMESPACE should come from fieldRef metadata.namespace");
  }

  // The Service other programs call.
  const svcObj = find(objs, "Service", ORCHESTRATOR.deployment);
  const podLabels = labelsOf(dep.spec.template);
  if (!svcObj) report(`no Service ${ORCHESTRATOR.deployment}`);
  else {
    if (!selectorMatches({ matchLabels: svcObj.spec?.selector || {} }, podLabels) || !svcObj.spec?.selector) {
      report(`Service ${ORCHESTRATOR.deployment} does not select the orchestrator pods`);
    }
    const grpcPort = ctx.facts.get(ORCHESTRATOR.deployment)?.grpc ?? ORCHESTRATOR.grpc;
    const sp = (svcObj.spec?.ports || []).find((p) => p.name === "grpc");
    if (!sp || sp.port !== grpcPort || (sp.targetPort !== "grpc" && (sp.targetPort ?? sp.port) !== grpcPort)) {
      report(`Service ${ORCHESTRATOR.deployment} should expose port grpc ${grpcPort} to the container's grpc port`);
    }
  }
  if (variant === "prod" && objs.some((o) => o.kind === "HorizontalPodAutoscaler" &&
      o.spec?.scaleTargetRef?.name === ORCHESTRATOR.deployment)) {
    report("the orchestrator must not be autoscaled (single SQLite writer)");
  }
}

function checkArm(ctx, svc, dep, podLabels, grpcPort, metricsPort) {
  const { objs, variant } = ctx;
  const report = (msg) => ctx.report(`${svc.deployment}: ${msg}`);
  const orchestratorLabels = labelsOf(find(objs, "Deployment", ORCHESTRATOR.deployment)?.spec?.template);

  // NetworkPolicy: the gRPC port only from orchestrator pods; metrics reachable.
  const policies = objs.filter((o) => o.kind === "NetworkPolicy" && selectorMatches(o.spec?.podSelector, podLabels) &&
      (o.spec?.policyTypes ? o.spec.policyTypes.includes("Ingress") : true));
  if (policies.length === 0) report("no NetworkPolicy (Ingress) selects the pods");
  const covers = (rule, port, name) => !rule.ports?.length ||
      rule.ports.some((p) => p.port === undefined || p.port === port || p.port === name);
  const rules = policies.flatMap((p) => (p.spec.ingress || []).map((r) => ({ policy: p.metadata.name, rule: r })));
  const grpcRules = rules.filter((r) => covers(r.rule, grpcPort, "grpc"));
  if (policies.length && grpcRules.length === 0) report(`NetworkPolicy admits nothing on the gRPC port ${grpcPort}`);
  for (const { policy, rule } of grpcRules) {
    const peers = rule.from || [];
    const onlyOrchestrator = peers.length > 0 && peers.every((peer) =>
      !peer.namespaceSelector && !peer.ipBlock && peer.podSelector?.matchLabels?.[NAME] === ORCHESTRATOR.deployment &&
      selectorMatches(peer.podSelector, orchestratorLabels));
    if (!onlyOrchestrator) {
      report(`NetworkPolicy ${policy} lets more than the orchestrator pods reach the gRPC port ${grpcPort}`);
    }
  }
  if (policies.length && !rules.some((r) => covers(r.rule, metricsPort, "metrics"))) {
    report(`NetworkPolicy admits nothing on the metrics port ${metricsPort} (Prometheus could not scrape)`);
  }

  // The headless Service itself (also checked from the orchestrator's target).
  const svcObj = find(objs, "Service", svc.deployment);
  if (!svcObj || svcObj.spec?.clusterIP !== "None") report(`Service ${svc.deployment} should exist and be headless`);

  const hpas = objs.filter((o) => o.kind === "HorizontalPodAutoscaler" &&
      o.spec?.scaleTargetRef?.kind === "Deployment" && o.spec?.scaleTargetRef?.name === svc.deployment);
  const pdbs = objs.filter((o) => o.kind === "PodDisruptionBudget" && selectorMatches(o.spec?.selector, podLabels));
  if (variant === "dev") {
    if ((dep.spec.replicas ?? 1) !== 1) report(`dev should run 1 replica, not ${dep.spec.replicas}`);
    if (hpas.length) report("dev should not autoscale");
  }
  if (variant === "prod") {
    const hpa = hpas[0];
    if (!hpa || hpa.apiVersion !== "autoscaling/v2") {
      report("prod needs an autoscaling/v2 HorizontalPodAutoscaler on the Deployment");
    } else {
      const cpu = (hpa.spec.metrics || []).some((m) => m.type === "Resource" && m.resource?.name === "cpu");
      if (!cpu) report(`HorizontalPodAutoscaler ${hpa.metadata.name} should scale on CPU`);
      if (!((hpa.spec.minReplicas ?? 1) >= 3)) report(`HorizontalPodAutoscaler ${hpa.metadata.name}: minReplicas should be at least 3`);
      if (!(hpa.spec.maxReplicas >= (hpa.spec.minReplicas ?? 1))) report(`HorizontalPodAutoscaler ${hpa.metadata.name}: maxReplicas < minReplicas`);
      if (dep.spec.replicas !== undefined) {
        report("spec.replicas should be left to the HorizontalPodAutoscaler (kubectl apply would reset it)");
      }
      const pdb = pdbs[0];
      if (!pdb || pdb.apiVersion !== "policy/v1") report("prod needs a policy/v1 PodDisruptionBudget selecting the pods");
      else if (pdb.spec.minAvailable === undefined && pdb.spec.maxUnavailable === undefined) {
        report(`PodDisruptionBudget ${pdb.metadata.name} needs minAvailable or maxUnavailable`);
      } else if (typeof pdb.spec.minAvailable === "number" && pdb.spec.minAvailable >= (hpa.spec.minReplicas ?? 1)) {
        report(`PodDisruptionBudget ${pdb.metadata.name}: minAvailable ${pdb.spec.minAvailable} would block every drain`);
      }
    }
    const pod = dep.spec.template.spec;
    const spread = (pod.topologySpreadConstraints || []).some((c) => selectorMatches(c.labelSelector, podLabels));
    const anti = (pod.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution || [])
      .some((t) => selectorMatches(t.podAffinityTerm?.labelSelector, podLabels)) ||
      (pod.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution || [])
        .some((t) => selectorMatches(t.labelSelector, podLabels));
    if (!spread && !anti) report("prod should spread replicas (topologySpreadConstraints or podAntiAffinity)");
  }
}

function checkObjects(ctx) {
  const { objs, variant, namespace } = ctx;
  for (const o of objs) {
    const id = `${o.kind}/${o.metadata?.name}`;
    if (labelsOf(o)[PART_OF] !== "armature") ctx.report(`${id}: label ${PART_OF} should be "armature"`);
    if (o.kind !== "ConfigMap" && (!labelsOf(o)[NAME] || !labelsOf(o)[COMPONENT])) {
      ctx.report(`${id}: labels ${NAME} and ${COMPONENT} should be set`);
    }
    if (o.metadata?.namespace !== namespace) {
      ctx.report(`${id}: namespace is ${o.metadata?.namespace ?? "(none)"}, expected ${namespace ?? "none (the base is namespace-agnostic)"}`);
    }
    if (o.kind === "Secret") ctx.report(`${id}: Secrets (LLM keys) are created by the operator, never rendered from the repository`);
  }
  // Every prompt file in config/prompts is in the prompts ConfigMap, so none is forgotten.
  const planner = find(objs, "Deployment", "armature-planner-arm");
  const vol = (planner?.spec?.template?.spec?.volumes || []).find((v) => v.name === "prompts");
  const cm = vol?.configMap && find(objs, "ConfigMap", vol.configMap.name);
  const files = readdirSync(join(SOURCE_DIR, "config/prompts")).filter((f) => f.endsWith(".yaml"));
  for (const f of files) {
    if (!cm?.data || !Object.hasOwn(cm.data, f)) ctx.report(`the prompts ConfigMap has no key ${f} (config/prompts/${f})`);
  }
  for (const svc of SERVICES) checkService(ctx, svc);
  if (variant !== "prod" && objs.some((o) => o.kind === "PodDisruptionBudget")) {
    // A PDB on one replica blocks node drains.
    ctx.report(`${variant} should not have PodDisruptionBudgets (one replica would block node drains)`);
  }
}

async function checkAll(objs, variant, facts) {
  const errors = [];
  const ctx = {
    objs, variant, facts, namespace: VARIANTS[variant].namespace, version: projectVersion(),
    report: (m) => errors.push(m),
  };
  for (const o of objs) {
    await checkSchema(o, (m) => errors.push(`${o.kind}/${o.metadata?.name}: ${m}`));
  }
  checkObjects(ctx);
  return errors;
}

// ---------------------------------------------------------------------------------------------
// Self-test: each break must be reported (by a message containing `expect`).

const dep = (objs, name) => find(objs, "Deployment", name);
const ctr = (objs, name) => dep(objs, name).spec.template.spec.containers[0];
const setArg = (c, flag, value) => {
  c.args = c.args.map((a) => (a.startsWith(`--${flag}=`) ? `--${flag}=${value}` : a));
};
const MUTATIONS = [
  ["readiness probe on the wrong port", "readinessProbe.grpc.port",
    (o) => { ctr(o, "armature-planner-arm").readinessProbe.grpc.port = 50099; }],
  ["liveness probe asking the readiness service", "livenessProbe.grpc.service",
    (o) => { ctr(o, "armature-manifest").livenessProbe.grpc.service = "readiness"; }],
  ["readiness probe on the liveness service", "readinessProbe.grpc.service",
    (o) => { delete ctr(o, "armature-orchestrator").readinessProbe.grpc.service; }],
  ["container port differing from the binary", 'port "grpc" should be containerPort 50053',
    (o) => { ctr(o, "armature-manifest").ports[0].containerPort = 50054; }],
  ["listening on loopback only", "--listen is",
    (o) => { setArg(ctr(o, "armature-planner-arm"), "listen", "127.0.0.1:50052"); }],
  ["planner target naming a missing Service", "names Service",
    (o) => { setArg(ctr(o, "armature-orchestrator"), "planner_target", "dns:///armature-planner.$(POD_NAMESPACE).svc.cluster.local:50052"); }],
  ["manifest target on the wrong port", "Service armature-manifest should have a port named grpc",
    (o) => { setArg(ctr(o, "armature-orchestrator"), "manifest_target", "dns:///armature-manifest.$(POD_NAMESPACE).svc.cluster.local:50052"); }],
  ["arm Service with a cluster IP", "should be headless",
    (o) => { delete find(o, "Service", "armature-planner-arm").spec.clusterIP; }],
  ["NetworkPolicy open to every pod", "lets more than the orchestrator",
    (o) => { find(o, "NetworkPolicy", "armature-manifest").spec.ingress[0].from = [{ podSelector: {} }]; }],
  ["NetworkPolicy rule without ports", "lets more than the orchestrator",
    (o) => { delete find(o, "NetworkPolicy", "armature-planner-arm").spec.ingress[1].ports; }],
  ["ConfigMap key behind a volume removed", "provides no arms.yaml",
    (o) => {
      const v = dep(o, "armature-planner-arm").spec.template.spec.volumes.find((x) => x.name === "arms");
      delete find(o, "ConfigMap", v.configMap.name).data["arms.yaml"];
    }],
  ["pipeline file flag pointing outside its mount", "--pipeline_config=",
    (o) => { setArg(ctr(o, "armature-orchestrator"), "pipeline_config", "/etc/armature/pipeline.yaml"); }],
  ["prompt missing from the prompts ConfigMap", "prompts ConfigMap",
    (o) => {
      const v = dep(o, "armature-manifest").spec.template.spec.volumes.find((x) => x.name === "prompts");
      delete find(o, "ConfigMap", v.configMap.name).data["manifest_extract.yaml"];
    }],
  ["store on the read-only root filesystem", "--store path",
    (o) => { setArg(ctr(o, "armature-orchestrator"), "store", "sqlite:///var/lib/armature.db"); }],
  ["LLM key from a required Secret", "optional: true",
    (o) => { ctr(o, "armature-planner-arm").env.find((e) => e.valueFrom?.secretKeyRef).valueFrom.secretKeyRef.optional = false; }],
  ["grace period shorter than the drain", "terminationGracePeriodSeconds",
    (o) => { dep(o, "armature-manifest").spec.template.spec.terminationGracePeriodSeconds = 10; }],
  ["writable root filesystem", "readOnlyRootFilesystem",
    (o) => { ctr(o, "armature-orchestrator").securityContext.readOnlyRootFilesystem = false; }],
  ["scrape annotation on the gRPC port", "prometheus.io/port",
    (o) => { dep(o, "armature-planner-arm").spec.template.metadata.annotations["prometheus.io/port"] = "50052"; }],
  ["schema: a port that is not a number", "must be integer",
    (o) => { ctr(o, "armature-planner-arm").ports[1].containerPort = "9092x"; }],
  ["schema: a misspelt field", "readinesProbe: unknown field",
    (o) => { const c = ctr(o, "armature-manifest"); c.readinesProbe = c.readinessProbe; }],
  ["undefined $(VAR) in args", "which no env entry",
    (o) => { ctr(o, "armature-orchestrator").env = ctr(o, "armature-orchestrator").env.filter((e) => e.name !== "POD_NAMESPACE"); }],
  ["orchestrator scaled to 2", "exactly 1 replica",
    (o) => { dep(o, "armature-orchestrator").spec.replicas = 2; }],
];
const DEV_MUTATIONS = [
  ["dev arm with 2 replicas", "dev should run 1 replica",
    (o) => { dep(o, "armature-manifest").spec.replicas = 2; }],
  ["dev with JSON logs", "--log_format resolves",
    (o) => { find(o, "ConfigMap", o.find((x) => x.kind === "ConfigMap" && x.metadata.name.startsWith("armature-runtime")).metadata.name).data.log_format = "json"; }],
];
const PROD_MUTATIONS = [
  ["prod without the manifest HPA", "HorizontalPodAutoscaler on the Deployment",
    (o) => { o.splice(o.indexOf(find(o, "HorizontalPodAutoscaler", "armature-manifest")), 1); }],
  ["prod without the planner PDB", "PodDisruptionBudget selecting",
    (o) => { o.splice(o.indexOf(find(o, "PodDisruptionBudget", "armature-planner-arm")), 1); }],
  ["prod without limits", "resources.limits.memory",
    (o) => { delete ctr(o, "armature-planner-arm").resources.limits; }],
  ["prod arm with fixed replicas", "left to the HorizontalPodAutoscaler",
    (o) => { dep(o, "armature-planner-arm").spec.replicas = 3; }],
  ["prod arm not spread", "spread replicas",
    (o) => { delete dep(o, "armature-manifest").spec.template.spec.topologySpreadConstraints; }],
];

async function selfTest(objs, variant, facts) {
  const list = [...MUTATIONS, ...(variant === "dev" ? DEV_MUTATIONS : []), ...(variant === "prod" ? PROD_MUTATIONS : [])];
  const missed = [];
  for (const [what, expect, mutate] of list) {
    const copy = structuredClone(objs);
    mutate(copy);
    const errors = await checkAll(copy, variant, facts);
    if (!errors.some((e) => e.includes(expect))) {
      missed.push(`${what}: expected a problem mentioning "${expect}", got ${errors.length ? errors.join(" | ") : "none"}`);
    }
  }
  return { total: list.length, missed };
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const argv = process.argv.slice(2);
  let buildDir = null;
  let self = false;
  const variants = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--build-dir") buildDir = resolve(argv[++i]);
    else if (argv[i].startsWith("--build-dir=")) buildDir = resolve(argv[i].slice(12));
    else if (argv[i] === "--self-test") self = true;
    else if (VARIANTS[argv[i]]) variants.push(argv[i]);
    else {
      console.error(`usage: validate_k8s.mjs [--build-dir DIR] [--self-test] ${Object.keys(VARIANTS).join("|")}...`);
      return 2;
    }
  }
  if (variants.length === 0) variants.push(...Object.keys(VARIANTS));


  const facts = new Map();
  for (const svc of SERVICES) {
    const f = binaryFacts(buildDir, svc);
    if (f) {
      facts.set(svc.deployment, f);
      if (f.grpc !== svc.grpc || f.metrics !== svc.metrics) {
        console.log(`FAIL ${f.path}: default ports ${f.grpc}/${f.metrics} differ from the contract ` +
                    `${svc.grpc}/${svc.metrics} (shared/DESIGN.md); update the manifests and this table together`);
        return 1;
      }
      console.log(`binary ${f.path}: gRPC ${f.grpc}, metrics ${f.metrics}, ${f.flags.size} flags`);
    } else {
      console.log(`note: ${svc.binary} is not built${buildDir ? ` in ${buildDir}` : ""}; its flags are not checked against the binary`);
    }
  }

  let failed = 0;
  for (const variant of variants) {
    const objs = render(variant);
    const errors = await checkAll(objs, variant, facts);
    const kinds = [...new Set(objs.map((o) => o.kind))].sort().join(", ");
    if (errors.length) {
      failed++;
      for (const e of errors) console.log(`FAIL [${variant}] ${e}`);
      console.log(`${VARIANTS[variant].dir}: ${errors.length} problem(s) in ${objs.length} objects`);
    } else {
      console.log(`${VARIANTS[variant].dir}: ${objs.length} objects (${kinds}) valid and consistent with ` +
                  `the contract${facts.size ? ` and ${facts.size} built binaries` : ""}`);
    }
    if (self && errors.length === 0) {
      const { total, missed } = await selfTest(objs, variant, facts);
      for (const m of missed) console.log(`FAIL [${variant}] self-test missed: ${m}`);
      if (missed.length) failed++;
      console.log(`${VARIANTS[variant].dir}: self-test caught ${total - missed.length}/${total} deliberate breaks`);
    }
  }
  return failed ? 1 : 0;
}

main().then((code) => process.exit(code), (e) => {
  console.log(`FAIL ${e.message}`);
  process.exit(1);
});
