// What every value is bound to: the associated data (AAD) of each AES-GCM value, the template and
// key-set digests inside it, and the clear-text binding check that runs before any key is touched.
// The only definition of these bytes; docs/format.md ("Associated data") specifies them normatively.
import { createHash } from "node:crypto";
import { GROUP, KIND_ENCRYPTED_SECRET } from "../api/v1alpha1/constants.ts";
import type { EncryptedSecretSpec, EnvelopeSpec, Scope, SecretTemplate } from "../api/v1alpha1/types.ts";
import { BindingMismatchError, MalformedEnvelopeError } from "../errors.ts";
import type { KeyBinding } from "../kms/types.ts";
import { compareUtf8, lengthPrefixed, u32 } from "./encoding.ts";
import { quote } from "./fields.ts";
import type { Target } from "./types.ts";

export const AAD_DOMAIN = "envelope.dev/v1";
export const AAD_KIND = `${GROUP}/${KIND_ENCRYPTED_SECRET}`;

/** The binding of a scope: the parts the scope does not bind are empty strings. */
export function bindingFor(scope: Scope, namespace: string, name: string): KeyBinding {
  return { scope, namespace: scope === "cluster" ? "" : namespace, name: scope === "strict" ? name : "" };
}

function mismatches(scope: Scope, sealed: Pick<EnvelopeSpec, "namespace" | "name">, target: Target): string[] {
  const found: string[] = [];
  if (scope !== "cluster" && sealed.namespace !== target.namespace) {
    found.push(`sealed for namespace ${quote(sealed.namespace ?? "")} but the object is in namespace ${quote(target.namespace)}`);
  }
  if (scope === "strict" && sealed.name !== target.name) {
    found.push(`sealed for name ${quote(sealed.name ?? "")} but the object is named ${quote(target.name)}`);
  }
  return found;
}

/**
 * Compares the target recorded in clear in the envelope with the actual object. Cheap and keyless, so
 * a copied object fails before any KMS call; an edited clear field still fails AEAD (the AAD uses the
 * actual target).
 */
export function checkEnvelopeBinding(scope: Scope, envelope: Pick<EnvelopeSpec, "namespace" | "name">, target: Target): void {
  if (scope !== "cluster" && envelope.namespace === undefined) throw new MalformedEnvelopeError(`envelope.namespace: missing; scope ${scope} requires it`);
  if (scope === "strict" && envelope.name === undefined) throw new MalformedEnvelopeError("envelope.name: missing; scope strict requires it");
  const found = mismatches(scope, envelope, target);
  if (found.length > 0) throw new BindingMismatchError(`envelope ${found.join("; ")}`);
}

export function checkBinding(spec: Pick<EncryptedSecretSpec, "scope" | "envelope">, target: Target): void {
  checkEnvelopeBinding(spec.scope, spec.envelope, target);
}

function sortedPairs(map: Readonly<Record<string, string>> | undefined): Buffer[] {
  const keys = Object.keys(map ?? {}).sort(compareUtf8);
  return [u32(keys.length), ...keys.flatMap((k) => [lengthPrefixed(k), lengthPrefixed(map?.[k] ?? "")])];
}

/** SHA-256 over the normalized template: defaults applied, labels and annotations sorted. */
export function templateDigest(template: SecretTemplate | undefined): Buffer {
  const parts = [
    lengthPrefixed(template?.type ?? "Opaque"),
    lengthPrefixed(template?.immutable === true ? "true" : "false"),
    lengthPrefixed(template?.metadata?.name ?? ""),
    ...sortedPairs(template?.metadata?.labels),
    ...sortedPairs(template?.metadata?.annotations),
  ];
  return createHash("sha256").update(Buffer.concat(parts)).digest();
}

/** SHA-256 over the sorted Secret key names: adding or removing a value changes every value's AAD. */
export function keySetDigest(keyNames: Iterable<string>): Buffer {
  const sorted = [...keyNames].sort(compareUtf8);
  return createHash("sha256").update(Buffer.concat([u32(sorted.length), ...sorted.map((k) => lengthPrefixed(k))])).digest();
}

/** The AAD fields shared by every value of one envelope, already encoded. */
export interface AadContext {
  readonly prefix: Buffer;
}

export function aadContext(binding: KeyBinding, template: SecretTemplate | undefined, keyNames: Iterable<string>): AadContext {
  const fields = [AAD_DOMAIN, AAD_KIND, binding.scope, binding.namespace, binding.name].map((f) => lengthPrefixed(f));
  return { prefix: Buffer.concat([...fields, lengthPrefixed(templateDigest(template)), lengthPrefixed(keySetDigest(keyNames))]) };
}

/** AAD of one value: the shared fields, then the Secret key name the value belongs to. */
export function buildAad(context: AadContext, keyName: string): Buffer {
  return Buffer.concat([context.prefix, lengthPrefixed(keyName)]);
}
