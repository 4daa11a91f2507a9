// Leader election on a coordination.k8s.io Lease, as client-go does it: acquire when the lease is
// free or expired, renew every retry period, and give up leadership when renewals fail for longer
// than the renew deadline. Updates carry the resourceVersion, so two replicas never both win.
import { CoordinationV1Api, V1MicroTime, type KubeConfig, type V1Lease } from "@kubernetes/client-node";
import type { Clock } from "../controller/clock.ts";
import type { Logger } from "../observability/logger.ts";
import { isConflict, isNotFound } from "./errors.ts";

export interface LeaderElectionConfig {
  readonly namespace: string;
  readonly name: string;
  readonly identity: string;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
}

export interface LeaderCallbacks {
  onStartedLeading(): void;
  onStoppedLeading(): void;
}

export class LeaderElector {
  private readonly api: CoordinationV1Api;
  private readonly config: LeaderElectionConfig;
  private readonly clock: Clock;
  private readonly log: Logger;
  private leading = false;
  private stopped = false;
  private lastRenew = 0;
  private cancelTick: (() => void) | undefined;

  constructor(kc: KubeConfig, config: LeaderElectionConfig, clock: Clock, log: Logger) {
    this.api = kc.makeApiClient(CoordinationV1Api);
    this.config = config;
    this.clock = clock;
    this.log = log;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  start(callbacks: LeaderCallbacks): void {
    const tick = async (): Promise<void> => {
      if (this.stopped) return;
      const ok = await this.tryAcquireOrRenew().catch((err: unknown) => {
        this.log.warn({ err }, "Leader election request failed");
        return false;
      });
      this.transition(ok, callbacks);
      if (!this.stopped) this.cancelTick = this.clock.schedule(() => void tick(), this.config.retryPeriodMs);
    };
    void tick();
  }

  private transition(ok: boolean, callbacks: LeaderCallbacks): void {
    const now = this.clock.now();
    if (ok) this.lastRenew = now;
    if (ok && !this.leading) {
      this.leading = true;
      this.log.info({ lease: `${this.config.namespace}/${this.config.name}` }, "Acquired leader lease");
      callbacks.onStartedLeading();
    } else if (!ok && this.leading && now - this.lastRenew > this.config.renewDeadlineMs) {
      this.leading = false;
      this.log.warn("Lost leader lease");
      callbacks.onStoppedLeading();
    }
  }

  /** Stops renewing and, when leading, releases the lease so a standby takes over at once. */
  async release(): Promise<void> {
    this.stopped = true;
    this.cancelTick?.();
    if (!this.leading) return;
    this.leading = false;
    const lease = await this.read().catch(() => undefined);
    if (lease?.spec?.holderIdentity !== this.config.identity) return;
    lease.spec.holderIdentity = "";
    lease.spec.leaseDurationSeconds = 1;
    await this.api.replaceNamespacedLease({ name: this.config.name, namespace: this.config.namespace, body: lease }).catch(() => undefined);
  }

  private async read(): Promise<V1Lease | undefined> {
    try {
      return await this.api.readNamespacedLease({ name: this.config.name, namespace: this.config.namespace });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = new V1MicroTime(this.clock.now());
    const lease = await this.read();
    const durationSeconds = Math.ceil(this.config.leaseDurationMs / 1000);
    if (lease === undefined) {
      const body: V1Lease = { metadata: { name: this.config.name, namespace: this.config.namespace }, spec: { holderIdentity: this.config.identity, leaseDurationSeconds: durationSeconds, acquireTime: now, renewTime: now, leaseTransitions: 0 } };
      return this.write(() => this.api.createNamespacedLease({ namespace: this.config.namespace, body }));
    }
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? "";
    if (holder !== this.config.identity && holder !== "" && !this.expired(spec.renewTime, spec.leaseDurationSeconds)) return false;
    const takeover = holder !== this.config.identity;
    lease.spec = {
      ...spec,
      holderIdentity: this.config.identity,
      leaseDurationSeconds: durationSeconds,
      renewTime: now,
      ...(takeover ? { acquireTime: now, leaseTransitions: (spec.leaseTransitions ?? 0) + 1 } : {}),
    };
    return this.write(() => this.api.replaceNamespacedLease({ name: this.config.name, namespace: this.config.namespace, body: lease }));
  }

  private expired(renewTime: Date | undefined, durationSeconds: number | undefined): boolean {
    if (renewTime === undefined) return true;
    return new Date(renewTime).getTime() + (durationSeconds ?? 0) * 1000 < this.clock.now();
  }

  private async write(call: () => Promise<unknown>): Promise<boolean> {
    try {
      await call();
      return true;
    } catch (err) {
      // Another replica wrote first (409 on create or on a stale resourceVersion): not ours this round.
      if (isConflict(err)) return false;
      throw err;
    }
  }
}
