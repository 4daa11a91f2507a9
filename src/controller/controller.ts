// Runs reconciles: keys from watch events go into the work queue, N workers take them, and the
// result decides what happens to the key (forget, back off, or a slow re-check for terminal
// failures whose cause may lie outside the object, e.g. a foreign Secret deleted later).
import type { EncryptedSecret } from "../api/v1alpha1/types.ts";
import type { Logger } from "../observability/logger.ts";
import type { ControllerMetrics } from "../observability/metrics.ts";
import type { Clock } from "./clock.ts";
import { effectiveEnvelope } from "./key-version.ts";
import type { EncryptedSecretSource } from "./ports.ts";
import type { Reconciler } from "./reconciler.ts";
import type { WorkQueue } from "./work-queue.ts";

export interface ControllerOptions {
  readonly concurrency: number;
  readonly resyncPeriodMs: number;
}

export function objectKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

function splitKey(key: string): [string, string] {
  const i = key.indexOf("/");
  return [key.slice(0, i), key.slice(i + 1)];
}

export class Controller {
  private readonly queue: WorkQueue;
  private readonly reconciler: Reconciler;
  private readonly source: EncryptedSecretSource;
  private readonly metrics: ControllerMetrics;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly options: ControllerOptions;
  private workers: Promise<void>[] = [];
  private cancelResync: (() => void) | undefined;

  constructor(deps: { queue: WorkQueue; reconciler: Reconciler; source: EncryptedSecretSource; metrics: ControllerMetrics; log: Logger; clock: Clock }, options: ControllerOptions) {
    this.queue = deps.queue;
    this.reconciler = deps.reconciler;
    this.source = deps.source;
    this.metrics = deps.metrics;
    this.log = deps.log;
    this.clock = deps.clock;
    this.options = options;
  }

  enqueue(namespace: string, name: string): void {
    this.queue.add(objectKey(namespace, name));
    this.metrics.queueDepth.set(this.queue.length);
  }

  enqueueAll(filter: (es: EncryptedSecret) => boolean = () => true): void {
    for (const es of this.source.list()) if (filter(es)) this.enqueue(es.metadata.namespace ?? "", es.metadata.name);
  }

  start(): void {
    for (let i = 0; i < this.options.concurrency; i++) this.workers.push(this.work());
    const resync = (): void => {
      this.enqueueAll();
      this.cancelResync = this.clock.schedule(resync, this.options.resyncPeriodMs);
    };
    this.cancelResync = this.clock.schedule(resync, this.options.resyncPeriodMs);
    this.enqueueAll();
  }

  /** Stops taking work and waits for in-flight reconciles to finish. */
  async stop(): Promise<void> {
    this.cancelResync?.();
    this.queue.shutDown();
    await Promise.all(this.workers);
  }

  /** Objects per provider/key/version of the envelope in use, for the inventory gauge. */
  updateInventory(): void {
    const counts = new Map<string, { provider: string; key: string; version: string; n: number }>();
    for (const es of this.source.list()) {
      const envelope = effectiveEnvelope(es);
      const id = `${es.spec.keyRef.provider}\0${envelope.key}\0${envelope.keyVersion}`;
      const entry = counts.get(id) ?? { provider: es.spec.keyRef.provider, key: envelope.key, version: envelope.keyVersion, n: 0 };
      entry.n++;
      counts.set(id, entry);
    }
    this.metrics.objectsPerKeyVersion.reset();
    for (const c of counts.values()) this.metrics.objectsPerKeyVersion.set({ provider: c.provider, key: c.key, version: c.version }, c.n);
  }

  private async work(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      this.metrics.queueDepth.set(this.queue.length);
      try {
        await this.process(key);
      } finally {
        this.queue.done(key);
      }
    }
  }

  private async process(key: string): Promise<void> {
    const [namespace, name] = splitKey(key);
    const end = this.metrics.reconcileDuration.startTimer();
    try {
      const result = await this.reconciler.reconcile(namespace, name);
      end({ result: result.kind === "done" ? "success" : "error" });
      if (result.kind === "done") this.queue.forget(key);
      else if (result.kind === "backoff") this.queue.addRateLimited(key);
      else {
        this.queue.forget(key);
        this.queue.addAfter(key, this.options.resyncPeriodMs);
      }
    } catch (err) {
      // Reporting the outcome itself failed (e.g. the status write): retry with backoff.
      end({ result: "error" });
      this.log.warn({ err, resource_namespace: namespace, resource_name: name }, "Reconcile could not be completed; retrying");
      this.queue.addRateLimited(key);
    }
  }
}
