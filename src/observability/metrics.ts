// Prometheus metrics on an injected registry. Labels are bounded (result, reason, provider type,
// operation, version): never a namespace or object name, so series do not grow with objects.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export interface ControllerMetrics {
  readonly registry: Registry;
  readonly reconciles: Counter<"result">;
  readonly reconcileErrors: Counter<"reason">;
  readonly reconcileDuration: Histogram<"result">;
  readonly queueDepth: Gauge;
  readonly kmsCalls: Counter<"backend" | "operation" | "result">;
  readonly kmsLatency: Histogram<"backend" | "operation">;
  readonly dekCache: Counter<"result">;
  readonly objectsPerKeyVersion: Gauge<"provider" | "key" | "version">;
  readonly secretWrites: Counter<"operation">;
  readonly informerRestarts: Counter<"resource">;
  readonly leader: Gauge;
}

export function createMetrics(registry = new Registry(), withDefaults = true): ControllerMetrics {
  if (withDefaults) collectDefaultMetrics({ register: registry, prefix: "envelope_" });
  const r = [registry];
  return {
    registry,
    reconciles: new Counter({ name: "envelope_reconcile_total", help: "Reconciles by result (success, error, requeue).", labelNames: ["result"], registers: r }),
    reconcileErrors: new Counter({ name: "envelope_reconcile_errors_total", help: "Reconcile failures by condition reason.", labelNames: ["reason"], registers: r }),
    reconcileDuration: new Histogram({ name: "envelope_reconcile_duration_seconds", help: "Time per reconcile.", labelNames: ["result"], buckets: [0.001, 0.005, 0.02, 0.1, 0.5, 2, 10], registers: r }),
    queueDepth: new Gauge({ name: "envelope_workqueue_depth", help: "Keys waiting in the work queue.", registers: r }),
    kmsCalls: new Counter({ name: "envelope_kms_calls_total", help: "Key backend calls by backend type, operation and result.", labelNames: ["backend", "operation", "result"], registers: r }),
    kmsLatency: new Histogram({ name: "envelope_kms_call_duration_seconds", help: "Key backend call latency.", labelNames: ["backend", "operation"], buckets: [0.001, 0.005, 0.02, 0.05, 0.1, 0.25, 1, 5], registers: r }),
    dekCache: new Counter({ name: "envelope_dek_cache_requests_total", help: "Data key cache lookups by result (hit, miss).", labelNames: ["result"], registers: r }),
    objectsPerKeyVersion: new Gauge({ name: "envelope_objects_per_key_version", help: "EncryptedSecrets whose envelope in use is wrapped by each KEK version.", labelNames: ["provider", "key", "version"], registers: r }),
    secretWrites: new Counter({ name: "envelope_secret_writes_total", help: "Secret API writes by operation (apply, delete).", labelNames: ["operation"], registers: r }),
    informerRestarts: new Counter({ name: "envelope_informer_restarts_total", help: "Watch restarts after errors, by resource.", labelNames: ["resource"], registers: r }),
    leader: new Gauge({ name: "envelope_leader", help: "1 while this replica holds the leader lease.", registers: r }),
  };
}
