import { describe, expect, it } from "vitest";
import { nextStatus, readyState, statusDiffers, type Outcome } from "./status.ts";
import type { EncryptedSecret } from "../api/v1alpha1/types.ts";

const es = (status?: EncryptedSecret["status"]): EncryptedSecret => ({
  apiVersion: "envelope.dev/v1alpha1",
  kind: "EncryptedSecret",
  metadata: { name: "db", namespace: "app", generation: 3 },
  spec: { keyRef: { provider: "p", key: "k", version: "1" }, scope: "strict", envelope: { format: "v1", key: "k", keyVersion: "1", algorithm: "A256GCM", wrappedKey: "", commitment: "" }, encryptedData: {} },
  ...(status === undefined ? {} : { status }),
});
const ready: Outcome = { kind: "ready", reason: "Synced", keyVersion: "1", secretName: "db", sourceHash: "h", message: "Secret app/db is up to date", envelope: undefined };
const t0 = new Date("2026-01-01T00:00:00Z");
const t1 = new Date("2026-01-01T00:01:00Z");

describe("nextStatus", () => {
  it("reports Ready=True with the observed generation, key version and secret name", () => {
    const s = nextStatus(es(), ready, t0);
    expect(s.observedGeneration).toBe(3);
    expect(s.keyVersion).toBe("1");
    expect(s.secretName).toBe("db");
    expect(s.conditions).toEqual([{ type: "Ready", status: "True", reason: "Synced", message: ready.message, observedGeneration: 3, lastTransitionTime: t0.toISOString() }]);
  });

  it.each([
    ["a terminal failure is Stalled", "terminal", "Stalled"],
    ["a transient failure is Reconciling", "backoff", "Reconciling"],
  ] as const)("%s", (_name, retry, extraType) => {
    const s = nextStatus(es(), { kind: "failed", reason: "DecryptFailed", retry, message: "m" }, t0);
    expect(s.conditions?.map((c) => [c.type, c.status, c.reason])).toEqual([["Ready", "False", "DecryptFailed"], [extraType, "True", "DecryptFailed"]]);
  });

  it("keeps lastTransitionTime while the condition status does not change", () => {
    const first = nextStatus(es(), ready, t0);
    const second = nextStatus(es(first), ready, t1);
    expect(second.conditions?.[0]?.lastTransitionTime).toBe(t0.toISOString());
    expect(statusDiffers(first, second)).toBe(false);
  });

  it("moves lastTransitionTime when Ready flips", () => {
    const first = nextStatus(es(), ready, t0);
    const failed = nextStatus(es(first), { kind: "failed", reason: "ProviderUnavailable", retry: "backoff", message: "m" }, t1);
    expect(failed.conditions?.[0]?.lastTransitionTime).toBe(t1.toISOString());
    expect(readyState(first)).toBe("True/Synced");
    expect(readyState(failed)).toBe("False/ProviderUnavailable");
  });

  it("keeps the last good key version and secret name through a failure", () => {
    const first = nextStatus(es(), ready, t0);
    const failed = nextStatus(es(first), { kind: "failed", reason: "ProviderUnavailable", retry: "backoff", message: "m" }, t1);
    expect(failed.secretName).toBe("db");
    expect(failed.keyVersion).toBe("1");
  });
});
