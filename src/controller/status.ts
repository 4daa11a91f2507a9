// Pure status computation: the outcome of one reconcile → the EncryptedSecret's status, with
// kstatus-compatible conditions (Ready; Reconciling and Stalled only while they are true).
import type { Condition, EncryptedSecret, EncryptedSecretStatus } from "../api/v1alpha1/types.ts";

export type StatusEnvelope = NonNullable<EncryptedSecretStatus["envelope"]>;
import type { Reason } from "../api/v1alpha1/conditions.ts";
import type { RetryClass } from "../errors.ts";

export type Outcome =
  | {
      readonly kind: "ready";
      /** RewrapPending: the Secret is right, and the envelope in use is a rewrapped one in status that git does not have yet. */
      readonly reason: "Synced" | "RewrapPending";
      readonly keyVersion: string;
      readonly secretName: string;
      readonly sourceHash: string;
      readonly message: string;
      /** The rewrapped envelope to keep in status, or undefined to drop it (spec is current). */
      readonly envelope: StatusEnvelope | undefined;
    }
  | { readonly kind: "failed"; readonly reason: Reason; readonly retry: RetryClass; readonly message: string };

export function nextStatus(es: EncryptedSecret, outcome: Outcome, now: Date): EncryptedSecretStatus {
  const previous = es.status ?? {};
  const generation = es.metadata.generation ?? 0;
  const wanted = outcome.kind === "ready" ? readyConditions(outcome) : failedConditions(outcome);
  const conditions = wanted.map((c) => withTransitionTime({ ...c, observedGeneration: generation }, previous.conditions ?? [], now));
  const status: EncryptedSecretStatus = { ...previous, observedGeneration: generation, conditions };
  if (outcome.kind === "ready") {
    status.keyVersion = outcome.keyVersion;
    status.secretName = outcome.secretName;
    status.dataHash = outcome.sourceHash;
    if (outcome.envelope === undefined) delete status.envelope;
    else status.envelope = outcome.envelope;
  }
  return status;
}

type ConditionSpec = Omit<Condition, "lastTransitionTime" | "observedGeneration">;

function readyConditions(outcome: Extract<Outcome, { kind: "ready" }>): ConditionSpec[] {
  return [{ type: "Ready", status: "True", reason: outcome.reason, message: outcome.message }];
}

function failedConditions(outcome: Extract<Outcome, { kind: "failed" }>): ConditionSpec[] {
  const ready: ConditionSpec = { type: "Ready", status: "False", reason: outcome.reason, message: outcome.message };
  // kstatus: a transient failure is still "Reconciling"; a terminal one is "Stalled" until the input changes.
  const extra: ConditionSpec =
    outcome.retry === "terminal"
      ? { type: "Stalled", status: "True", reason: outcome.reason, message: outcome.message }
      : { type: "Reconciling", status: "True", reason: outcome.reason, message: outcome.message };
  return [ready, extra];
}

function withTransitionTime(c: Omit<Condition, "lastTransitionTime">, previous: readonly Condition[], now: Date): Condition {
  const old = previous.find((p) => p.type === c.type);
  const lastTransitionTime = old !== undefined && old.status === c.status ? old.lastTransitionTime : now.toISOString();
  return { ...c, lastTransitionTime };
}

/** True when writing `next` would change what is stored (so an unchanged resync writes nothing). */
export function statusDiffers(current: EncryptedSecretStatus | undefined, next: EncryptedSecretStatus): boolean {
  return JSON.stringify(normalize(current ?? {})) !== JSON.stringify(normalize(next));
}

function normalize(s: EncryptedSecretStatus): unknown {
  const conditions = [...(s.conditions ?? [])].sort((a, b) => a.type.localeCompare(b.type));
  return { ...s, conditions };
}

/** The Ready condition's (status, reason), to emit one Event per transition and none per retry. */
export function readyState(status: EncryptedSecretStatus | undefined): string {
  const ready = status?.conditions?.find((c) => c.type === "Ready");
  return ready === undefined ? "" : `${ready.status}/${ready.reason}`;
}
