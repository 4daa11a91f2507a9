// In-memory implementations of the controller's ports (src/controller/ports.ts) with counters, for
// unit tests of the reconciler. The integration tests run the same reconciler on a real apiserver.
import type { EncryptedSecret, EncryptedSecretStatus } from "../../src/api/v1alpha1/types.ts";
import type { SecretObject } from "../../src/controller/desired-secret.ts";
import type { EncryptedSecretSource, EventSink, EventType, NamespaceLookup, SecretAccess, StatusWriter } from "../../src/controller/ports.ts";

const key = (ns: string, name: string): string => `${ns}/${name}`;

export class MemoryCluster implements StatusWriter, EventSink, NamespaceLookup {
  readonly encryptedSecrets = new Map<string, EncryptedSecret>();
  readonly secrets = new Map<string, SecretObject>();
  readonly namespaceLabels = new Map<string, Record<string, string>>();
  readonly events: { type: EventType; reason: string; message: string }[] = [];
  readonly writes = { apply: 0, delete: 0, status: 0 };

  putEncryptedSecret(es: EncryptedSecret): void {
    this.encryptedSecrets.set(key(es.metadata.namespace ?? "", es.metadata.name), es);
  }

  list(): readonly EncryptedSecret[] {
    return [...this.encryptedSecrets.values()];
  }

  async apply(secret: SecretObject): Promise<void> {
    this.writes.apply++;
    this.secrets.set(key(secret.metadata.namespace, secret.metadata.name), structuredClone(secret));
  }

  async delete(namespace: string, name: string): Promise<void> {
    this.writes.delete++;
    this.secrets.delete(key(namespace, name));
  }

  async patchStatus(es: EncryptedSecret, status: EncryptedSecretStatus): Promise<void> {
    this.writes.status++;
    const stored = this.encryptedSecrets.get(key(es.metadata.namespace ?? "", es.metadata.name));
    if (stored !== undefined) stored.status = structuredClone(status);
  }

  async emit(_es: EncryptedSecret, type: EventType, reason: string, message: string): Promise<void> {
    this.events.push({ type, reason, message });
  }

  async labels(name: string): Promise<Record<string, string> | undefined> {
    return this.namespaceLabels.get(name) ?? {};
  }

  /** The SecretAccess view (its get is async and reads Secrets, not EncryptedSecrets). */
  secretAccess(): SecretAccess {
    return {
      get: async (ns, name) => structuredClone(this.secrets.get(key(ns, name))),
      apply: (s) => this.apply(s),
      delete: (ns, name) => this.delete(ns, name),
    };
  }

  source(): EncryptedSecretSource {
    return { get: (ns, name) => this.encryptedSecrets.get(key(ns, name)), list: () => this.list() };
  }
}
