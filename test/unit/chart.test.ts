// The Helm chart, rendered offline (helm lint / helm template with the testbed's Kubernetes version;
// no cluster). What J1 promises: CRDs as templates with the keep policy, least-privilege RBAC, a
// restricted 2-replica Deployment with leader election, a PodDisruptionBudget, metrics — and values
// that are documented and validated.
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse, parseAllDocuments, parseDocument, isMap, type Node as YamlNode } from "yaml";
import { CHART_DIR, HelmError, KUBE_VERSION, ensureHelm, helm, helmTemplate } from "../../hack/tools/helm.ts";
import { CRD_SOURCE_DIR, syncCrds } from "../../hack/sync-crds.ts";

const repo = resolve(import.meta.dirname, "..", "..");
const NAMESPACE = "envelope-system";
const RELEASE = "envelope";

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  rules?: Rule[];
  roleRef?: { kind: string; name: string };
  subjects?: { kind: string; name: string; namespace: string }[];
}

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

interface Container {
  name: string;
  args: string[];
  env: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
  ports: { name: string; containerPort: number }[];
  securityContext: Record<string, unknown>;
  livenessProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string } };
  volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
  resources?: unknown;
}

interface PodSpec {
  serviceAccountName: string;
  securityContext: Record<string, unknown>;
  containers: Container[];
  volumes: { name: string; emptyDir?: unknown; hostPath?: unknown; configMap?: unknown }[];
  topologySpreadConstraints?: { labelSelector?: unknown }[];
}

interface Deployment extends K8sObject {
  spec: { replicas: number; selector: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string> }; spec: PodSpec } };
}

async function render(...args: string[]): Promise<K8sObject[]> {
  const out = await helmTemplate(RELEASE, NAMESPACE, args);
  return parseAllDocuments(out)
    .map((doc) => doc.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
}

function find<T extends K8sObject = K8sObject>(objects: K8sObject[], kind: string, name?: string): T {
  const matches = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (matches.length !== 1) throw new Error(`expected one ${kind}${name ? ` ${name}` : ""}, found ${matches.length}`);
  return matches[0] as T;
}

function controller(objects: K8sObject[]): { deployment: Deployment; pod: PodSpec; container: Container } {
  const deployment = find<Deployment>(objects, "Deployment");
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0]!;
  return { deployment, pod, container };
}

/** Exactly the permissions the controller needs (docs/helm.md lists the same). */
const CLUSTER_RULES: Rule[] = [
  { apiGroups: ["envelope.dev"], resources: ["encryptedsecrets"], verbs: ["get", "list", "watch"] },
  { apiGroups: ["envelope.dev"], resources: ["encryptedsecrets/status"], verbs: ["get", "update", "patch"] },
  { apiGroups: ["envelope.dev"], resources: ["keyproviders"], verbs: ["get", "list", "watch"] },
  { apiGroups: ["envelope.dev"], resources: ["keyproviders/status"], verbs: ["get", "update", "patch"] },
  { apiGroups: [""], resources: ["secrets"], verbs: ["get", "list", "watch", "create", "update", "patch", "delete"] },
  { apiGroups: [""], resources: ["events"], verbs: ["create", "patch"] },
  { apiGroups: ["events.k8s.io"], resources: ["events"], verbs: ["create", "patch"] },
  { apiGroups: [""], resources: ["namespaces"], verbs: ["get", "list", "watch"] },
];
const LEADER_ELECTION_RULES: Rule[] = [{ apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["get", "create", "update"] }];

let defaults: K8sObject[];

beforeAll(async () => {
  await ensureHelm(); // built once into the testbed cache (a few minutes when cold)
  defaults = await render();
}, 900_000);

describe("helm lint", { timeout: 60_000 }, () => {
  it("passes --strict with the default values", async () => {
    const { stdout } = await helm(["lint", CHART_DIR, "--strict", "--kube-version", KUBE_VERSION]);
    expect(stdout).toContain("0 chart(s) failed");
  });

  it("passes --strict with PKCS#11 and the ServiceMonitor on", async () => {
    const { stdout } = await helm(["lint", CHART_DIR, "--strict", "--kube-version", KUBE_VERSION, ...pkcs11Values()]);
    expect(stdout).toContain("0 chart(s) failed");
  });
});

describe("the controller Deployment", { timeout: 60_000 }, () => {
  it("runs 2 replicas with leader election on a Lease in the release namespace", () => {
    const { deployment, container } = controller(defaults);
    expect(deployment.metadata.namespace).toBe(NAMESPACE);
    expect(deployment.spec.replicas).toBe(2);
    expect(container.args).toEqual(expect.arrayContaining(["--leader-elect", "--leader-election-namespace=$(POD_NAMESPACE)", `--leader-election-id=${RELEASE}-envelope-operator`]));
    expect(container.env).toEqual(expect.arrayContaining([
      { name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
      { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
    ]));
  });

  it("passes exactly the controller's flags, from values", () => {
    const { container } = controller(defaults);
    expect(container.args).toEqual([
      "--metrics-bind-address=:8080",
      "--health-bind-address=:8081",
      "--leader-elect",
      "--leader-election-namespace=$(POD_NAMESPACE)",
      `--leader-election-id=${RELEASE}-envelope-operator`,
      "--concurrency=4",
      "--dek-cache-size=10000",
      "--dek-cache-ttl=1h",
      "--log-level=info",
    ]);
  });

  it("is restricted: non-root 65532, read-only root, no privilege escalation, no capabilities, RuntimeDefault seccomp", () => {
    const { pod, container } = controller(defaults);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: "RuntimeDefault" } });
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      runAsUser: 65532,
      runAsGroup: 65532,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    });
  });

  it("has a writable emptyDir at /tmp and nothing else writable", () => {
    const { pod, container } = controller(defaults);
    expect(container.volumeMounts).toEqual([{ name: "tmp", mountPath: "/tmp" }]);
    expect(pod.volumes).toEqual([{ name: "tmp", emptyDir: { sizeLimit: "64Mi" } }]);
  });

  it("probes /healthz and /readyz on the health port and exposes metrics", () => {
    const { container } = controller(defaults);
    expect(container.livenessProbe.httpGet).toEqual({ path: "/healthz", port: "health" });
    expect(container.readinessProbe.httpGet).toEqual({ path: "/readyz", port: "health" });
    expect(container.ports).toEqual([
      { name: "metrics", containerPort: 8080, protocol: "TCP" },
      { name: "health", containerPort: 8081, protocol: "TCP" },
    ]);
    expect(container.resources).toBeDefined();
  });

  it("spreads replicas across nodes with the Pod selector filled in", () => {
    const { deployment, pod } = controller(defaults);
    expect(pod.topologySpreadConstraints).toEqual([
      { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: deployment.spec.selector.matchLabels } },
    ]);
  });

  it("runs as the chart's ServiceAccount, which carries the pod-identity annotations", async () => {
    const objects = await render("--set-string", "serviceAccount.annotations.eks\\.amazonaws\\.com/role-arn=arn:aws:iam::111122223333:role/envelope", "--set-string", "podLabels.azure\\.workload\\.identity/use=true");
    const { pod, deployment } = controller(objects);
    const sa = find(objects, "ServiceAccount");
    expect(pod.serviceAccountName).toBe(sa.metadata.name);
    expect(sa.metadata.annotations).toEqual({ "eks.amazonaws.com/role-arn": "arn:aws:iam::111122223333:role/envelope" });
    expect(deployment.spec.template.metadata.labels["azure.workload.identity/use"]).toBe("true");
  });

  it("maps controller values to flags", async () => {
    const objects = await render("--set", "controller.concurrency=8", "--set", "controller.watchNamespaces={team-a,team-b}", "--set", "controller.logLevel=debug", "--set", "controller.extraArgs={--resync-period=5m}", "--set", "leaderElection.id=my-lease");
    const { container } = controller(objects);
    expect(container.args).toEqual(expect.arrayContaining(["--concurrency=8", "--watch-namespaces=team-a,team-b", "--log-level=debug", "--resync-period=5m", "--leader-election-id=my-lease"]));
  });
});

function pkcs11Values(): string[] {
  return [
    "--set", "pkcs11.enabled=true",
    "--set-json", 'pkcs11.moduleVolume={"hostPath":{"path":"/usr/lib/softhsm","type":"Directory"}}',
    "--set-json", 'pkcs11.configVolume={"configMap":{"name":"softhsm-config"}}',
    "--set-json", 'pkcs11.env=[{"name":"SOFTHSM2_CONF","value":"/etc/pkcs11/softhsm2.conf"}]',
    "--set", "metrics.serviceMonitor.enabled=true",
  ];
}

describe("optional parts", { timeout: 60_000 }, () => {
  it("PKCS#11 mounts the module and its configuration read-only and sets the module's environment", async () => {
    const { pod, container } = controller(await render(...pkcs11Values()));
    expect(container.volumeMounts).toEqual([
      { name: "tmp", mountPath: "/tmp" },
      { name: "pkcs11-module", mountPath: "/opt/pkcs11", readOnly: true },
      { name: "pkcs11-config", mountPath: "/etc/pkcs11", readOnly: true },
    ]);
    expect(pod.volumes).toEqual(expect.arrayContaining([
      { name: "pkcs11-module", hostPath: { path: "/usr/lib/softhsm", type: "Directory" } },
      { name: "pkcs11-config", configMap: { name: "softhsm-config" } },
    ]));
    expect(container.env).toContainEqual({ name: "SOFTHSM2_CONF", value: "/etc/pkcs11/softhsm2.conf" });
  });

  it("PKCS#11 without a module volume is refused", async () => {
    await expect(render("--set", "pkcs11.enabled=true")).rejects.toThrow(/pkcs11.enabled needs pkcs11.moduleVolume/);
  });

  it("the ServiceMonitor is off by default and scrapes the metrics Service when on", async () => {
    expect(defaults.filter((o) => o.kind === "ServiceMonitor")).toEqual([]);
    const objects = await render(...pkcs11Values());
    const monitor = find(objects, "ServiceMonitor");
    const service = find(objects, "Service");
    expect(monitor.apiVersion).toBe("monitoring.coreos.com/v1");
    expect(monitor.spec).toMatchObject({ selector: { matchLabels: (service.spec as { selector: unknown }).selector }, endpoints: [{ port: "metrics", path: "/metrics" }] });
  });

  it("the metrics Service selects the controller Pods on the metrics port", () => {
    const service = find(defaults, "Service");
    const { deployment } = controller(defaults);
    expect(service.spec).toMatchObject({ selector: deployment.spec.selector.matchLabels, ports: [{ name: "metrics", port: 8080, targetPort: "metrics" }] });
  });
});

describe("the PodDisruptionBudget", { timeout: 60_000 }, () => {
  it("keeps one replica available", () => {
    const pdb = find(defaults, "PodDisruptionBudget");
    const { deployment } = controller(defaults);
    expect(pdb.spec).toEqual({ minAvailable: 1, selector: { matchLabels: deployment.spec.selector.matchLabels } });
  });

  it("is not created for a single replica (it would block node drains)", async () => {
    const objects = await render("--set", "replicaCount=1");
    expect(objects.filter((o) => o.kind === "PodDisruptionBudget")).toEqual([]);
  });
});

describe("RBAC is least privilege", { timeout: 60_000 }, () => {
  it("the ClusterRole has exactly the controller's rules", () => {
    expect(find(defaults, "ClusterRole").rules).toEqual(CLUSTER_RULES);
  });

  it("the leader-election Role in the release namespace has exactly get/create/update on leases", () => {
    const role = find(defaults, "Role");
    expect(role.metadata.namespace).toBe(NAMESPACE);
    expect(role.rules).toEqual(LEADER_ELECTION_RULES);
  });

  it("there are no other roles and no wildcards anywhere", () => {
    const roles = defaults.filter((o) => o.kind === "Role" || o.kind === "ClusterRole");
    expect(roles.map((r) => r.kind).sort()).toEqual(["ClusterRole", "Role"]);
    for (const rule of roles.flatMap((r) => r.rules ?? [])) {
      expect([...rule.apiGroups, ...rule.resources, ...rule.verbs]).not.toContain("*");
      expect(rule.nonResourceURLs).toBeUndefined();
    }
  });

  it("the bindings grant the roles to the controller's ServiceAccount only", () => {
    const sa = find(defaults, "ServiceAccount");
    const subject = { kind: "ServiceAccount", name: sa.metadata.name, namespace: NAMESPACE };
    const clusterBinding = find(defaults, "ClusterRoleBinding");
    const binding = find(defaults, "RoleBinding");
    expect(clusterBinding.subjects).toEqual([subject]);
    expect(clusterBinding.roleRef).toMatchObject({ kind: "ClusterRole", name: find(defaults, "ClusterRole").metadata.name });
    expect(binding.subjects).toEqual([subject]);
    expect(binding.roleRef).toMatchObject({ kind: "Role", name: find(defaults, "Role").metadata.name });
    expect(binding.metadata.namespace).toBe(NAMESPACE);
  });

  it("rbac.create=false renders no RBAC", async () => {
    const objects = await render("--set", "rbac.create=false");
    expect(objects.filter((o) => o.apiVersion.startsWith("rbac.authorization.k8s.io"))).toEqual([]);
  });
});

describe("CRDs are templates generated from crds/", { timeout: 60_000 }, () => {
  const sources = ["envelope.dev_encryptedsecrets.yaml", "envelope.dev_keyproviders.yaml"].map((f) => parse(readFileSync(join(CRD_SOURCE_DIR, f), "utf8")) as K8sObject);

  it("the chart's copies are up to date (node hack/sync-crds.ts)", () => {
    expect(syncCrds({ check: true }).changed).toEqual([]);
  });

  it("are rendered with the keep policy and the spec of crds/, unchanged", () => {
    const crds = defaults.filter((o) => o.kind === "CustomResourceDefinition");
    expect(crds.map((c) => c.metadata.name).sort()).toEqual(sources.map((s) => s.metadata.name).sort());
    for (const source of sources) {
      const crd = find(defaults, "CustomResourceDefinition", source.metadata.name);
      expect(crd.metadata.annotations).toEqual({ "helm.sh/resource-policy": "keep" });
      expect(crd.spec).toEqual(source.spec);
    }
  });

  it("crds.keep=false drops the keep policy; crds.install=false drops the CRDs", async () => {
    const unkept = await render("--set", "crds.keep=false");
    expect(unkept.filter((o) => o.kind === "CustomResourceDefinition").map((c) => c.metadata.annotations)).toEqual([undefined, undefined]);
    const none = await render("--set", "crds.install=false");
    expect(none.filter((o) => o.kind === "CustomResourceDefinition")).toEqual([]);
  });
});

describe("values", { timeout: 60_000 }, () => {
  it("values.schema.json rejects an unknown top-level key", async () => {
    const failure = await render("--set", "bogus=1").then(() => undefined, (err: unknown) => err);
    expect(failure).toBeInstanceOf(HelmError);
    expect((failure as HelmError).stderr).toContain("additional properties 'bogus' not allowed");
  });

  it("values.schema.json rejects an unknown nested key and a wrong type", async () => {
    await expect(render("--set", "image.tags=1")).rejects.toThrow(/additional properties 'tags' not allowed/);
    await expect(render("--set", "replicaCount=two")).rejects.toThrow(/replicaCount/);
  });

  it("every key of values.yaml is in values.schema.json, and every schema key in values.yaml", () => {
    const schema = JSON.parse(readFileSync(join(CHART_DIR, "values.schema.json"), "utf8")) as JsonSchema;
    const values = parse(readFileSync(join(CHART_DIR, "values.yaml"), "utf8")) as Record<string, unknown>;
    expect(valueKeys(values, schema).sort()).toEqual(schemaKeys(schema).filter((k) => k !== "global").sort());
  });

  it("every key in values.yaml has a comment above it and appears in docs/helm.md", () => {
    const doc = parseDocument(readFileSync(join(CHART_DIR, "values.yaml"), "utf8"));
    const docs = readFileSync(join(repo, "docs", "helm.md"), "utf8");
    const schema = JSON.parse(readFileSync(join(CHART_DIR, "values.schema.json"), "utf8")) as JsonSchema;
    const undocumented = commentedKeys(doc.contents, [], schema, doc.commentBefore ?? undefined).filter(([, comment]) => !comment?.trim()).map(([key]) => key);
    expect(undocumented).toEqual([]);
    const missingInDocs = schemaKeys(schema).filter((k) => k !== "global" && !docs.includes(`\`${k}\``));
    expect(missingInDocs).toEqual([]);
  });
});

interface JsonSchema {
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
}

/** Dotted paths of every key the chart defines (objects with additionalProperties: false). */
function schemaKeys(schema: JsonSchema, prefix = ""): string[] {
  return Object.entries(schema.properties ?? {}).flatMap(([key, sub]) => [`${prefix}${key}`, ...(sub.additionalProperties === false ? schemaKeys(sub, `${prefix}${key}.`) : [])]);
}

function valueKeys(values: Record<string, unknown>, schema: JsonSchema, prefix = ""): string[] {
  return Object.entries(values).flatMap(([key, value]) => {
    const sub = schema.properties?.[key];
    const nested = sub?.additionalProperties === false && typeof value === "object" && value !== null ? valueKeys(value as Record<string, unknown>, sub, `${prefix}${key}.`) : [];
    return [`${prefix}${key}`, ...nested];
  });
}

/** [dotted key, comment above it] for every chart-defined key in values.yaml. */
function commentedKeys(node: YamlNode | null, path: string[], schema: JsonSchema, firstComment: string | undefined): [string, string | undefined][] {
  if (!isMap(node)) return [];
  return node.items.flatMap((pair, index) => {
    const key = String((pair.key as { value: unknown }).value);
    const keyNode = pair.key as { commentBefore?: string | null };
    const comment = keyNode.commentBefore ?? (index === 0 ? (node.commentBefore ?? firstComment) : undefined) ?? undefined;
    const sub = schema.properties?.[key];
    const nested = sub?.additionalProperties === false ? commentedKeys(pair.value as YamlNode, [...path, key], sub, undefined) : [];
    return [[[...path, key].join("."), comment] as [string, string | undefined], ...nested];
  });
}
