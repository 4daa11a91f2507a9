// Which envelope is in effect, and whether its KEK version is allowed. The rewrapped envelope in
// status is used only while it replaces exactly the envelope in spec; once git carries a newer one
// (or the old one again), spec wins.
import { createHash } from "node:crypto";
import type { EncryptedSecret, EnvelopeSpec } from "../api/v1alpha1/types.ts";

export function envelopeDigest(envelope: EnvelopeSpec): string {
  return createHash("sha256").update(`${envelope.key}\0${envelope.keyVersion}\0${envelope.algorithm}\0${envelope.wrappedKey}`).digest("hex");
}

export function effectiveEnvelope(es: EncryptedSecret): EnvelopeSpec {
  const rewrapped = es.status?.envelope;
  if (rewrapped === undefined || rewrapped.replaces !== envelopeDigest(es.spec.envelope)) return es.spec.envelope;
  const { replaces: _replaces, ...envelope } = rewrapped;
  return envelope;
}

/** True when `version` is below `floor`. Versions are compared as integers when both are numeric
 * (local, PKCS#11 CKA_ID, AWS generations); other version schemes only match a floor exactly. */
export function isBelowFloor(version: string, floor: string | undefined): boolean {
  if (floor === undefined || floor === "") return false;
  if (/^\d+$/.test(version) && /^\d+$/.test(floor)) return BigInt(version) < BigInt(floor);
  return version !== floor;
}
