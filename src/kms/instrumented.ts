// Wraps any KeyBackend so every call is counted and timed by backend type and operation — the
// reconciler and backends stay free of metrics code.
import type { KeyBackend } from "./types.ts";
import { isOperatorError } from "../errors.ts";

export interface KmsMetrics {
  readonly kmsCalls: { inc(labels: { backend: string; operation: string; result: string }): void };
  readonly kmsLatency: { startTimer(labels: { backend: string; operation: string }): () => number };
}

export function instrumentBackend(backend: KeyBackend, metrics: KmsMetrics): KeyBackend {
  const timed = async <T>(operation: string, call: () => Promise<T>): Promise<T> => {
    const end = metrics.kmsLatency.startTimer({ backend: backend.type, operation });
    try {
      const value = await call();
      metrics.kmsCalls.inc({ backend: backend.type, operation, result: "success" });
      return value;
    } catch (err) {
      metrics.kmsCalls.inc({ backend: backend.type, operation, result: isOperatorError(err) ? err.reason : "InternalError" });
      throw err;
    } finally {
      end();
    }
  };
  const wrapped: KeyBackend = {
    type: backend.type,
    wrap: (dek, kek, binding, signal) => timed("wrap", () => backend.wrap(dek, kek, binding, signal)),
    unwrap: (w, binding, signal) => timed("unwrap", () => backend.unwrap(w, binding, signal)),
    currentVersion: (key, signal) => timed("currentVersion", () => backend.currentVersion(key, signal)),
    publicKey: (kek, signal) => timed("publicKey", () => backend.publicKey(kek, signal)),
    close: () => backend.close(),
  };
  const rewrap = backend.rewrap?.bind(backend);
  if (rewrap !== undefined) wrapped.rewrap = (w, to, binding, signal) => timed("rewrap", () => rewrap(w, to, binding, signal));
  return wrapped;
}
