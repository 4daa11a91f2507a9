// The only writer of EncryptedSecret status and Events. Writes status only when it changes (an
// unchanged resync writes nothing) and emits one Event per Ready transition, never one per retry.
import type { EncryptedSecret } from "../api/v1alpha1/types.ts";
import type { Logger } from "../observability/logger.ts";
import type { ControllerMetrics } from "../observability/metrics.ts";
import type { Clock } from "./clock.ts";
import type { EventSink, StatusWriter } from "./ports.ts";
import { nextStatus, readyState, statusDiffers, type Outcome } from "./status.ts";

export interface Reporter {
  report(es: EncryptedSecret, outcome: Outcome): Promise<void>;
}

export class StatusReporter implements Reporter {
  private readonly status: StatusWriter;
  private readonly events: EventSink;
  private readonly clock: Clock;
  private readonly metrics: ControllerMetrics;
  private readonly log: Logger;

  constructor(status: StatusWriter, events: EventSink, clock: Clock, metrics: ControllerMetrics, log: Logger) {
    this.status = status;
    this.events = events;
    this.clock = clock;
    this.metrics = metrics;
    this.log = log;
  }

  async report(es: EncryptedSecret, outcome: Outcome): Promise<void> {
    this.metrics.reconciles.inc({ result: outcome.kind === "ready" ? "success" : "error" });
    if (outcome.kind === "failed") this.metrics.reconcileErrors.inc({ reason: outcome.reason });
    const next = nextStatus(es, outcome, new Date(this.clock.now()));
    if (!statusDiffers(es.status, next)) return;
    const before = readyState(es.status);
    await this.status.patchStatus(es, next);
    if (before === readyState(next)) return;
    const type = outcome.kind === "ready" ? "Normal" : "Warning";
    const reason = outcome.kind === "ready" ? "Synced" : outcome.reason;
    // An Event is best effort: failing to record one must not fail or repeat the reconcile.
    await this.events.emit(es, type, reason, outcome.message).catch((err: unknown) => this.log.warn({ err }, "Could not record Event"));
  }
}
