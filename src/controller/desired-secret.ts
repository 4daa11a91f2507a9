// Pure decisions about the Secret an EncryptedSecret materializes: what it should look like, and
// whether the live one already is that — without decrypting anything when the answer is yes.
import { createHash } from "node:crypto";
import type { EncryptedSecret } from "../api/v1alpha1/types.ts";
import {
  ANNOTATION_DATA_HASH,
  ANNOTATION_KEEP_SECRET,
  ANNOTATION_SOURCE_HASH,
  API_VERSION,
  KIND_ENCRYPTED_SECRET,
  LABEL_MANAGED_BY,
  LABEL_SOURCE,
  MANAGED_BY_VALUE,
} from "../api/v1alpha1/constants.ts";

export interface SecretObject {
  apiVersion: "v1";
  kind: "Secret";
  metadata: {
    name: string;
    namespace: string;
    uid?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: OwnerReference[];
  };
  type?: string;
  immutable?: boolean;
  data?: Record<string, string>;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
}

export function secretName(es: EncryptedSecret): string {
  return es.spec.template?.metadata?.name ?? es.metadata.name;
}

export function secretType(es: EncryptedSecret): string {
  return es.spec.template?.type ?? "Opaque";
}

/** Hash over everything the Secret's content derives from, minus the wrapped key (a rewrap changes
 * only that, and must not rewrite the Secret). Reveals nothing: it covers ciphertexts only. */
export function sourceHash(es: EncryptedSecret): string {
  const h = createHash("sha256");
  const add = (s: string): void => {
    h.update(String(Buffer.byteLength(s))).update(":").update(s);
  };
  add(es.spec.envelope.commitment);
  add(es.spec.scope);
  add(JSON.stringify(es.spec.template ?? {}, sortedKeys));
  for (const k of Object.keys(es.spec.encryptedData).sort()) {
    add(k);
    add(es.spec.encryptedData[k] ?? "");
  }
  return h.digest("hex");
}

/** Hash of a Secret's type and base64 data, stored on the Secret itself (whose readers already see the data). */
export function dataHash(type: string, data: Record<string, string>): string {
  const h = createHash("sha256");
  h.update(type).update("\0");
  for (const k of Object.keys(data).sort()) h.update(k).update("\0").update(data[k] ?? "").update("\0");
  return h.digest("hex");
}

function sortedKeys(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export function ownerReference(es: EncryptedSecret): OwnerReference {
  return { apiVersion: API_VERSION, kind: KIND_ENCRYPTED_SECRET, name: es.metadata.name, uid: es.metadata.uid ?? "", controller: true };
}

function keepSecret(es: EncryptedSecret): boolean {
  return es.metadata.annotations?.[ANNOTATION_KEEP_SECRET] === "true";
}

/** Labels and annotations the Secret must carry (template's plus the operator's own). */
export function desiredMetadata(es: EncryptedSecret, dataHashValue: string): Pick<SecretObject["metadata"], "labels" | "annotations"> {
  const template = es.spec.template?.metadata;
  return {
    labels: { ...template?.labels, [LABEL_MANAGED_BY]: MANAGED_BY_VALUE, [LABEL_SOURCE]: es.metadata.name },
    annotations: { ...template?.annotations, [ANNOTATION_SOURCE_HASH]: sourceHash(es), [ANNOTATION_DATA_HASH]: dataHashValue },
  };
}

/** The complete Secret for `es` given its decrypted values. */
export function desiredSecret(es: EncryptedSecret, values: ReadonlyMap<string, Uint8Array>): SecretObject {
  const data: Record<string, string> = {};
  for (const [k, v] of values) data[k] = Buffer.from(v).toString("base64");
  const type = secretType(es);
  const secret: SecretObject = {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: secretName(es),
      namespace: es.metadata.namespace ?? "",
      ...desiredMetadata(es, dataHash(type, data)),
      ...(keepSecret(es) ? {} : { ownerReferences: [ownerReference(es)] }),
    },
    type,
    data,
  };
  if (es.spec.template?.immutable === true) secret.immutable = true;
  return secret;
}

export function isOwnedBy(secret: SecretObject, es: EncryptedSecret): boolean {
  const managed = secret.metadata.labels?.[LABEL_MANAGED_BY] === MANAGED_BY_VALUE && secret.metadata.labels[LABEL_SOURCE] === es.metadata.name;
  if (keepSecret(es)) return managed;
  return managed && (secret.metadata.ownerReferences ?? []).some((r) => r.uid === es.metadata.uid && r.controller === true);
}

/**
 * True when the live Secret already is what `es` describes: owned, written from the same inputs,
 * its data untouched since (data hash), and labels/annotations/type/immutability as desired.
 * This is decided without the DEK, so an unchanged object costs no KMS call and no decryption.
 */
export function isUpToDate(live: SecretObject, es: EncryptedSecret): boolean {
  const annotations = live.metadata.annotations ?? {};
  const liveHash = annotations[ANNOTATION_DATA_HASH];
  if (liveHash === undefined || !isOwnedBy(live, es)) return false;
  if ((live.type ?? "Opaque") !== secretType(es)) return false;
  if (dataHash(live.type ?? "Opaque", live.data ?? {}) !== liveHash) return false;
  if ((live.immutable === true) !== (es.spec.template?.immutable === true)) return false;
  const want = desiredMetadata(es, liveHash);
  return includes(live.metadata.labels, want.labels) && includes(annotations, want.annotations);
}

function includes(actual: Record<string, string> | undefined, wanted: Record<string, string> | undefined): boolean {
  return Object.entries(wanted ?? {}).every(([k, v]) => actual?.[k] === v);
}

/** Changes to a live Secret that the API refuses in place: type is immutable, and so is an immutable Secret. */
export function needsRecreate(live: SecretObject, desired: SecretObject): boolean {
  if ((live.type ?? "Opaque") !== (desired.type ?? "Opaque")) return true;
  return live.immutable === true;
}
