// A list+watch cache over client-node's informer, with what it lacks: restart with exponential
// backoff after any watch error (client-node stops on non-410 errors), a "synced" flag for
// /readyz, and restart counts for metrics. 410 Gone is handled inside client-node by relisting.
import { makeInformer, type KubeConfig, type KubernetesObject, type KubernetesListObject, type Informer, type ObjectCache } from "@kubernetes/client-node";
import type { Clock } from "../controller/clock.ts";

export interface InformerEvents<T> {
  onChange(obj: T): void;
  onDelete(obj: T): void;
  onError?(err: unknown, restartInMs: number): void;
}

/** What to list and watch: the API path, the list call, and an optional label selector. */
export interface InformerSource<T extends KubernetesObject> {
  readonly path: string;
  readonly list: () => Promise<KubernetesListObject<T>>;
  readonly labelSelector?: string;
}

export interface Cache<T> {
  get(name: string, namespace?: string): T | undefined;
  list(namespace?: string): readonly T[];
}

export class ResilientInformer<T extends KubernetesObject> implements Cache<T> {
  private readonly informer: Informer<T> & ObjectCache<T>;
  private readonly clock: Clock;
  private failures = 0;
  private stopped = false;
  private cancelRestart: (() => void) | undefined;
  synced = false;
  restarts = 0;

  constructor(kc: KubeConfig, source: InformerSource<T>, events: InformerEvents<T>, clock: Clock) {
    this.clock = clock;
    this.informer = makeInformer<T>(kc, source.path, source.list, source.labelSelector);
    this.informer.on("add", (o) => events.onChange(o));
    this.informer.on("update", (o) => events.onChange(o));
    this.informer.on("delete", (o) => events.onDelete(o));
    this.informer.on("connect", () => {
      this.failures = 0;
    });
    this.informer.on("error", (err: unknown) => this.restartLater(err, events));
  }

  /** Lists and starts watching. Does not throw: a failed list is retried with backoff, and
   * `synced` stays false (so /readyz fails) until a list has succeeded. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.startOnce();
  }

  private async startOnce(): Promise<void> {
    let failed = false;
    const onError = (): void => {
      failed = true;
    };
    this.informer.on("error", onError);
    try {
      await this.informer.start();
    } finally {
      this.informer.off("error", onError);
    }
    if (!failed) this.synced = true;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelRestart?.();
    await this.informer.stop();
  }

  get(name: string, namespace?: string): T | undefined {
    return this.informer.get(name, namespace);
  }

  list(namespace?: string): readonly T[] {
    return this.informer.list(namespace);
  }

  private restartLater(err: unknown, events: InformerEvents<T>): void {
    if (this.stopped) return;
    this.failures++;
    const delay = Math.min(30_000, 250 * 2 ** Math.min(this.failures - 1, 10));
    events.onError?.(err, delay);
    this.cancelRestart = this.clock.schedule(() => {
      this.restarts++;
      this.startOnce().catch((e: unknown) => this.restartLater(e, events));
    }, delay);
  }
}
