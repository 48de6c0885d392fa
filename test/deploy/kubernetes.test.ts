// deploy/kubernetes/: every manifest is checked against Kubernetes' own OpenAPI schema (through the
// kubernetes-models classes), then against what the hub needs: two replicas, probes on /readyz and
// /healthz, a PodDisruptionBudget and a Service that select the Deployment's pods, and every Secret and
// ConfigMap the pods reference present, with provider keys mounted where the hub reads them.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { Deployment, type IDeployment } from "kubernetes-models/apps/v1/Deployment";
import {
  type IPodDisruptionBudget,
  PodDisruptionBudget,
} from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { ConfigMap, type IConfigMap } from "kubernetes-models/v1/ConfigMap";
import { type ISecret, Secret } from "kubernetes-models/v1/Secret";
import { type IService, Service } from "kubernetes-models/v1/Service";
import { parse, parseAllDocuments } from "yaml";
import { resolvePaths } from "../../src/config/paths.ts";
import { configSchema, PROVIDER_APIS } from "../../src/config/schema/index.ts";

const ROOT = join(import.meta.dirname, "..", "..");
const MANIFESTS = join(ROOT, "deploy", "kubernetes");

interface Manifests {
  deployment: Deployment;
  service: Service;
  pdb: PodDisruptionBudget;
  configMaps: ConfigMap[];
  secrets: Secret[];
  /** The files kustomization.yaml lists. */
  resources: string[];
  files: string[];
}

/** One model per document, by apiVersion and kind; a kind this deployment does not ship fails. */
function model(document: Record<string, unknown>, file: string) {
  const kind = `${String(document.apiVersion)} ${String(document.kind)}`;
  switch (kind) {
    case "apps/v1 Deployment":
      return new Deployment(document as unknown as IDeployment);
    case "v1 Service":
      return new Service(document as unknown as IService);
    case "policy/v1 PodDisruptionBudget":
      return new PodDisruptionBudget(document as unknown as IPodDisruptionBudget);
    case "v1 ConfigMap":
      return new ConfigMap(document as unknown as IConfigMap);
    case "v1 Secret":
      return new Secret(document as unknown as ISecret);
    default:
      throw new Error(`${file}: unexpected ${kind}`);
  }
}

function loadManifests(): Manifests {
  const files = readdirSync(MANIFESTS).filter((name) => name.endsWith(".yaml"));
  const objects: ReturnType<typeof model>[] = [];
  let resources: string[] = [];
  for (const file of files) {
    for (const document of parseAllDocuments(readFileSync(join(MANIFESTS, file), "utf8"))) {
      assert.deepEqual(document.errors, [], `${file} is valid YAML`);
      const value = document.toJS() as Record<string, unknown>;
      if (value.kind === "Kustomization") {
        resources = value.resources as string[];
        continue;
      }
      objects.push(model(value, file));
    }
  }
  const only = <T>(items: T[], what: string): T => {
    assert.equal(items.length, 1, `exactly one ${what}`);
    return items[0] as T;
  };
  return {
    deployment: only(
      objects.filter((item) => item instanceof Deployment),
      "Deployment",
    ),
    service: only(
      objects.filter((item) => item instanceof Service),
      "Service",
    ),
    pdb: only(
      objects.filter((item) => item instanceof PodDisruptionBudget),
      "PodDisruptionBudget",
    ),
    configMaps: objects.filter((item) => item instanceof ConfigMap),
    secrets: objects.filter((item) => item instanceof Secret),
    resources,
    files,
  };
}

function selects(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined) {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([key, value]) => labels?.[key] === value);
}

/** AI_ORCHESTRATOR_HOME as docker/hub.Dockerfile sets it. */
function imageHome(): string {
  const dockerfile = readFileSync(join(ROOT, "docker", "hub.Dockerfile"), "utf8");
  const home = /AI_ORCHESTRATOR_HOME=(\S+)/.exec(dockerfile)?.[1];
  assert.ok(home, "docker/hub.Dockerfile sets AI_ORCHESTRATOR_HOME");
  return home;
}

describe("deploy/kubernetes", () => {
  const manifests = loadManifests();
  const spec = manifests.deployment.spec;
  const pod = spec?.template.spec;
  const hub = pod?.containers.find((container) => container.name === "hub");
  const podLabels = spec?.template.metadata?.labels;

  test("every object validates against Kubernetes' schema, and kustomization.yaml lists every file", () => {
    for (const object of [
      manifests.deployment,
      manifests.service,
      manifests.pdb,
      ...manifests.configMaps,
      ...manifests.secrets,
    ]) {
      assert.doesNotThrow(() => object.validate(), `${object.kind} ${object.metadata?.name}`);
    }
    assert.deepEqual(
      [...manifests.resources].sort(),
      manifests.files.filter((file) => file !== "kustomization.yaml").sort(),
    );
  });

  test("the schema check catches a broken manifest", () => {
    const broken = structuredClone(manifests.deployment.toJSON()) as unknown as IDeployment;
    const probe = broken.spec?.template.spec?.containers[0]?.readinessProbe?.httpGet;
    assert.ok(probe);
    Reflect.deleteProperty(probe, "port");
    assert.throws(() => new Deployment(broken).validate(), /httpGet must have required property 'port'|port/);
    const typo = structuredClone(manifests.deployment.toJSON()) as unknown as Record<string, unknown>;
    Reflect.set(typo.spec as object, "replicas", "2");
    assert.throws(
      () => new Deployment(typo as unknown as IDeployment).validate(),
      /replicas must be integer/,
    );
  });

  test("two replicas of the hub, ready on /readyz and alive on /healthz of the port it serves", () => {
    assert.equal(spec?.replicas, 2);
    assert.ok(selects(spec?.selector.matchLabels, podLabels), "the selector matches the pod template");
    assert.ok(hub, "a container named hub");
    assert.deepEqual(hub.args?.slice(0, 3), ["serve", "--host", "0.0.0.0"]);
    const port = hub.ports?.find((entry) => entry.name === "http");
    assert.ok(port, "a port named http");
    assert.equal(hub.args?.[hub.args.indexOf("--port") + 1], String(port.containerPort));
    assert.equal(hub.readinessProbe?.httpGet?.path, "/readyz");
    assert.equal(hub.livenessProbe?.httpGet?.path, "/healthz");
    for (const probe of [hub.readinessProbe, hub.livenessProbe]) {
      assert.ok(probe?.httpGet?.port === "http" || probe?.httpGet?.port === port.containerPort);
    }
    assert.equal(pod?.securityContext?.runAsNonRoot, true);
  });

  test("the Service and the PodDisruptionBudget select the Deployment's pods", () => {
    assert.ok(selects(manifests.service.spec?.selector, podLabels), "Service selector");
    assert.ok(
      hub?.ports?.some((entry) => entry.name === manifests.service.spec?.ports?.[0]?.targetPort),
      "the Service targets the hub's port",
    );
    assert.ok(selects(manifests.pdb.spec?.selector?.matchLabels, podLabels), "PDB selector");
    const minAvailable = manifests.pdb.spec?.minAvailable;
    assert.equal(typeof minAvailable, "number");
    assert.ok(Number(minAvailable) >= 1 && Number(minAvailable) < Number(spec?.replicas));
  });

  test("every Secret and ConfigMap the pods use exists, and provider keys land where the hub reads them", () => {
    const secretNamed = (name: string) => manifests.secrets.find((item) => item.metadata?.name === name);
    const configMapNamed = (name: string) =>
      manifests.configMaps.find((item) => item.metadata?.name === name);
    const hasKey = (object: Secret | ConfigMap | undefined, key: string) =>
      object !== undefined && (key in (object.data ?? {}) || key in ((object as Secret).stringData ?? {}));
    for (const variable of hub?.env ?? []) {
      const secretRef = variable.valueFrom?.secretKeyRef;
      if (secretRef) assert.ok(hasKey(secretNamed(secretRef.name ?? ""), secretRef.key), variable.name);
      const configRef = variable.valueFrom?.configMapKeyRef;
      if (configRef) assert.ok(hasKey(configMapNamed(configRef.name ?? ""), configRef.key), variable.name);
    }
    const env = (name: string) => hub?.env?.find((variable) => variable.name === name);
    assert.equal(env("AI_ORCHESTRATOR_STORE_URL")?.valueFrom?.secretKeyRef?.key, "url");
    assert.ok(env("AI_ORCHESTRATOR_REDIS_URL")?.valueFrom, "the Redis URL comes from the ConfigMap");

    const volumes = pod?.volumes ?? [];
    const mountOf = (volume: string) => hub?.volumeMounts?.find((mount) => mount.name === volume);
    const keysVolume = volumes.find((volume) => volume.secret !== undefined);
    assert.ok(keysVolume?.secret?.secretName);
    const providerKeys = secretNamed(keysVolume.secret.secretName);
    assert.ok(providerKeys, `Secret ${keysVolume.secret.secretName} exists`);
    for (const provider of PROVIDER_APIS)
      assert.ok(hasKey(providerKeys, provider), `a ${provider} key entry`);
    const secretsDir = resolvePaths({ env: { AI_ORCHESTRATOR_HOME: imageHome() } }).secretsDir;
    assert.equal(mountOf(keysVolume.name)?.mountPath, secretsDir);

    const configVolume = volumes.find((volume) => volume.configMap !== undefined);
    assert.ok(configVolume?.configMap?.name);
    const configMap = configMapNamed(configVolume.configMap.name);
    assert.ok(hasKey(configMap, "config.yaml"));
    const configText = configMap?.data?.["config.yaml"] ?? "";
    assert.deepEqual(configSchema.safeParse(parse(configText) ?? {}).error?.issues, undefined);
    assert.equal(
      configText,
      readFileSync(join(ROOT, "deploy", "config.yaml"), "utf8"),
      "one config for compose and Kubernetes",
    );
    // The replicas share circuit breakers through the Redis they are given, not each its own SQLite
    // file in a home that lives and dies with the pod.
    assert.equal(configSchema.parse(parse(configText) ?? {}).resilience.store, "redis");
    const configPath = `${mountOf(configVolume.name)?.mountPath}/config.yaml`;
    assert.equal(env("AI_ORCHESTRATOR_CONFIG")?.value, configPath);
    // No key in an environment variable: they are files only.
    for (const variable of hub?.env ?? []) assert.doesNotMatch(variable.name, /API_KEY/);
  });
});
