#!/usr/bin/env node
// Controller composition root: the only place (with src/cli/main.ts) that reads argv/env, builds
// the logger, metrics, clients, caches and backends, and wires them together.
import { CoreV1Api, CustomObjectsApi, type KubeConfig, type KubernetesListObject, type KubernetesObject, type V1Secret } from "@kubernetes/client-node";
import { GROUP, LABEL_MANAGED_BY, LABEL_SOURCE, MANAGED_BY_VALUE, PLURAL_ENCRYPTED_SECRETS, PLURAL_KEY_PROVIDERS, VERSION } from "./api/v1alpha1/constants.ts";
import type { EncryptedSecret } from "./api/v1alpha1/types.ts";
import { CONTROLLER_USAGE, ConfigError, parseControllerArgs, type ControllerConfig } from "./config/config.ts";
import { systemClock } from "./controller/clock.ts";
import { Controller } from "./controller/controller.ts";
import { DekCache } from "./controller/dek-cache.ts";
import { CachingProviderResolver, type KeyProviderObject } from "./controller/providers.ts";
import { Reconciler } from "./controller/reconciler.ts";
import { StatusReporter } from "./controller/reporter.ts";
import { WorkQueue } from "./controller/work-queue.ts";
import { KubeEventSink, KubeNamespaceLookup, KubeSecretAccess, KubeStatusWriter, secretDataReader } from "./kube/cluster.ts";
import { ResilientInformer, type Cache } from "./kube/informer.ts";
import { loadKubeConfig } from "./kube/kubeconfig.ts";
import { LeaderElector } from "./kube/leader-election.ts";
import { createBackendFactory } from "./kms/registry.ts";
import { instrumentBackend } from "./kms/instrumented.ts";
import { closeServer, startHealthServer, startMetricsServer } from "./observability/health.ts";
import { createLogger, type Logger } from "./observability/logger.ts";
import { createMetrics, type ControllerMetrics } from "./observability/metrics.ts";

type Informers = { encryptedSecrets: ResilientInformer<EncryptedSecret & KubernetesObject>[]; secrets: ResilientInformer<V1Secret>[]; providers: ResilientInformer<KeyProviderObject & KubernetesObject> };

/** Parts built after the informers whose events reach them. */
interface Wiring {
  controller?: Controller;
  resolver?: CachingProviderResolver;
}

function union<T>(caches: readonly Cache<T>[]): Cache<T> {
  return {
    get: (name, namespace) => caches.map((c) => c.get(name, namespace)).find((o) => o !== undefined),
    list: (namespace) => caches.flatMap((c) => c.list(namespace)),
  };
}

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseControllerArgs(process.argv.slice(2), process.env);
  } catch (err) {
    console.error(err instanceof ConfigError ? err.message : String(err));
    return 2;
  }
  if (parsed.help) {
    console.log(CONTROLLER_USAGE);
    return 0;
  }
  return run(parsed.config);
}

async function run(config: ControllerConfig): Promise<number> {
  const log = createLogger(config.logLevel);
  const metrics = createMetrics();
  const kc = loadKubeConfig(config.kubeconfig, config.inCluster);
  const clock = systemClock;
  const queue = new WorkQueue(clock);
  const wiring: Wiring = {};
  const informers = makeInformers(kc, config, log, metrics, wiring);
  const esCache = union(informers.encryptedSecrets);
  const source = { get: (ns: string, name: string) => esCache.get(name, ns), list: () => esCache.list() };
  const factory = createBackendFactory({ readSecret: secretDataReader(kc), log });
  const resolver = (wiring.resolver = new CachingProviderResolver({ get: (name) => informers.providers.get(name) }, async (p) => instrumentBackend(await factory(p), metrics), { clock, intervalMs: config.versionPollIntervalMs }));
  const reconciler = new Reconciler({
    encryptedSecrets: source,
    secrets: new KubeSecretAccess(kc, union(informers.secrets)),
    namespaces: new KubeNamespaceLookup(kc),
    providers: resolver,
    dekCache: new DekCache(config.dekCacheSize, config.dekCacheTtlMs, clock),
    reporter: new StatusReporter(new KubeStatusWriter(kc), new KubeEventSink(kc, "envelope-operator", config.identity), clock, metrics, log),
    metrics,
    log,
  });
  const controller = (wiring.controller = new Controller({ queue, reconciler, source, metrics, log, clock }, { concurrency: config.concurrency, resyncPeriodMs: config.resyncPeriodMs }));

  const all = [informers.providers, ...informers.encryptedSecrets, ...informers.secrets];
  const servers = await Promise.all([
    config.health ? startHealthServer(config.health.host, config.health.port, { ready: () => all.every((i) => i.synced) }) : undefined,
    config.metrics ? startMetricsServer(config.metrics.host, config.metrics.port, metrics.registry) : undefined,
  ]);
  await Promise.all(all.map((i) => i.start()));
  log.info({ namespaces: config.watchNamespaces.length === 0 ? "all" : config.watchNamespaces }, "Caches started");

  const inventory = setInterval(() => controller.updateInventory(), 15_000);
  inventory.unref();
  const done = new Promise<number>((resolveDone) => {
    const elector = config.leaderElect
      ? new LeaderElector(kc, { namespace: config.leaderElectionNamespace, name: config.leaderElectionId, identity: config.identity, leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 }, clock, log)
      : undefined;
    const shutdown = async (code: number): Promise<void> => {
      log.info("Shutting down: finishing in-flight reconciles");
      const timeout = setTimeout(() => resolveDone(code), config.shutdownTimeoutMs);
      timeout.unref();
      await controller.stop();
      await elector?.release();
      await Promise.all([...all.map((i) => i.stop()), ...servers.map((s) => (s ? closeServer(s) : undefined)), resolver.closeAll()]);
      resolveDone(code);
    };
    process.once("SIGTERM", () => void shutdown(0));
    process.once("SIGINT", () => void shutdown(0));
    const lead = (): void => {
      metrics.leader.set(1);
      controller.start();
    };
    if (elector === undefined) lead();
    else elector.start({ onStartedLeading: lead, onStoppedLeading: () => {
      // Like controller-runtime: a replica that lost its lease exits and is restarted as a standby.
      metrics.leader.set(0);
      log.error("Leader lease lost; exiting");
      void shutdown(1);
    } });
  });
  return done;
}

function makeInformers(kc: KubeConfig, config: ControllerConfig, log: Logger, metrics: ControllerMetrics, wiring: Wiring): Informers {
  const controller = (): Controller | undefined => wiring.controller;
  const custom = kc.makeApiClient(CustomObjectsApi);
  const core = kc.makeApiClient(CoreV1Api);
  const onError = (resource: string) => (err: unknown, restartInMs: number): void => {
    metrics.informerRestarts.inc({ resource });
    log.warn({ err: { message: err instanceof Error ? err.message : String(err) }, resource, restartInMs }, "Watch failed; restarting");
  };
  const namespaces = config.watchNamespaces.length === 0 ? [undefined] : config.watchNamespaces;
  const enqueue = (es: KubernetesObject): void => controller()?.enqueue(es.metadata?.namespace ?? "", es.metadata?.name ?? "");
  const encryptedSecrets = namespaces.map((ns) => new ResilientInformer<EncryptedSecret & KubernetesObject>(
    kc,
    {
      path: ns === undefined ? `/apis/${GROUP}/${VERSION}/${PLURAL_ENCRYPTED_SECRETS}` : `/apis/${GROUP}/${VERSION}/namespaces/${ns}/${PLURAL_ENCRYPTED_SECRETS}`,
      list: () => (ns === undefined
        ? custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL_ENCRYPTED_SECRETS })
        : custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PLURAL_ENCRYPTED_SECRETS, namespace: ns })) as Promise<KubernetesListObject<EncryptedSecret & KubernetesObject>>,
    },
    { onChange: enqueue, onDelete: () => controller()?.updateInventory(), onError: onError("encryptedsecrets") },
    systemClock,
  ));
  const selector = `${LABEL_MANAGED_BY}=${MANAGED_BY_VALUE}`;
  const ownerOf = (s: V1Secret): void => {
    const owner = s.metadata?.labels?.[LABEL_SOURCE];
    if (owner !== undefined) controller()?.enqueue(s.metadata?.namespace ?? "", owner);
  };
  // Only Secrets the operator manages are cached (label selector): never every Secret in the cluster.
  const secrets = namespaces.map((ns) => new ResilientInformer<V1Secret>(
    kc,
    {
      path: ns === undefined ? "/api/v1/secrets" : `/api/v1/namespaces/${ns}/secrets`,
      list: () => (ns === undefined ? core.listSecretForAllNamespaces({ labelSelector: selector }) : core.listNamespacedSecret({ namespace: ns, labelSelector: selector })),
      labelSelector: selector,
    },
    { onChange: ownerOf, onDelete: ownerOf, onError: onError("secrets") },
    systemClock,
  ));
  const onProvider = (p: KubernetesObject): void => {
    const name = p.metadata?.name ?? "";
    wiring.resolver?.forget(name);
    wiring.controller?.enqueueAll((es) => es.spec.keyRef.provider === name);
  };
  const providers = new ResilientInformer<KeyProviderObject & KubernetesObject>(
    kc,
    {
      path: `/apis/${GROUP}/${VERSION}/${PLURAL_KEY_PROVIDERS}`,
      list: () => custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL_KEY_PROVIDERS }) as Promise<KubernetesListObject<KeyProviderObject & KubernetesObject>>,
    },
    { onChange: onProvider, onDelete: onProvider, onError: onError("keyproviders") },
    systemClock,
  );
  return { encryptedSecrets, secrets, providers };
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
