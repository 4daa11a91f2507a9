// Condition types and the closed set of reasons the controller reports. Every OperatorError carries
// one of these reasons, so an error raised anywhere maps to a status condition without string matching.

export const CONDITION_TYPES = ["Ready", "Reconciling", "Stalled"] as const;
export type ConditionType = (typeof CONDITION_TYPES)[number];

export const REASONS = [
  // success / progress
  "Synced",
  "Progressing",
  "RewrapPending",
  // spec and envelope problems (terminal until the object changes)
  "InvalidSpec",
  "MalformedEnvelope",
  "UnsupportedFormat",
  "BindingMismatch",
  "DecryptFailed",
  "WrongKey",
  "KeyVersionBelowFloor",
  "KeyVersionNotFound",
  "NamespaceNotAllowed",
  "UnknownProvider",
  "NotOwned",
  // backend problems
  "ProviderMisconfigured",
  "ProviderUnavailable",
  "AccessDenied",
  "KeyNotFound",
  "KeyDisabled",
  "Throttled",
  // the Kubernetes API server refused or failed a request the controller needed
  "ApiServerError",
  // anything we did not classify
  "InternalError",
] as const;
export type Reason = (typeof REASONS)[number];
