// What the controller needs from the cluster, as narrow interfaces. src/kube implements them with
// client-node; unit tests implement them in memory. No client-node type appears here.
import type { EncryptedSecret, EncryptedSecretStatus } from "../api/v1alpha1/types.ts";
import type { SecretObject } from "./desired-secret.ts";

export interface EncryptedSecretSource {
  get(namespace: string, name: string): EncryptedSecret | undefined;
  list(): readonly EncryptedSecret[];
}

export interface SecretAccess {
  /** The live Secret (from the managed-Secret cache, else one GET), or undefined. */
  get(namespace: string, name: string): Promise<SecretObject | undefined>;
  /** Server-side apply under the operator's field manager. */
  apply(secret: SecretObject): Promise<void>;
  delete(namespace: string, name: string): Promise<void>;
}

export interface StatusWriter {
  patchStatus(es: EncryptedSecret, status: EncryptedSecretStatus): Promise<void>;
}

export type EventType = "Normal" | "Warning";

export interface EventSink {
  emit(es: EncryptedSecret, type: EventType, reason: string, message: string): Promise<void>;
}

export interface NamespaceLookup {
  /** Labels of namespace `name`, or undefined when it does not exist. */
  labels(name: string): Promise<Record<string, string> | undefined>;
}
