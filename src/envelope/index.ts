// Public surface of the envelope module: format v1 (docs/format.md) — sealing, opening, rewrapping and
// inspecting EncryptedSecret envelopes. Depends only on api/v1alpha1 types, kms/types and errors; never
// on a key backend, a vendor SDK or Kubernetes clients. DEKs exist only inside these functions, except
// where a function's doc says the caller owns (and must zero) a returned key or plaintext.
export { bindingFor, checkBinding } from "./binding.ts";
export { verifyCommitment } from "./commitment.ts";
export { LIMITS, parseSpec } from "./format.ts";
export { inspect, type EnvelopeInfo, type ValueInfo } from "./inspect.ts";
export { MIN_RSA_BITS, sealOffline, type OfflinePublicKey } from "./offline.ts";
export { open, openWithKey, unwrapDek } from "./open.ts";
export { rewrapEnvelope } from "./rewrap.ts";
export { seal, sealWithKey } from "./seal.ts";
export type { CallOptions, EnvelopeFields, RandomBytes, SealedSpec, SealedValues, SealInput, SealOptions, Target } from "./types.ts";
