// The controller's and CLI's structured logger: pino JSON, fixed key names, and redaction of every
// path that could hold secret material — so a careless `log.info({ secret })` still leaks nothing.
import { pino, type Logger, type DestinationStream } from "pino";

export type { Logger };

export const LOG_KEYS = {
  namespace: "resource_namespace",
  name: "resource_name",
  reconcileId: "reconcile_id",
  provider: "provider",
  keyVersion: "key_version",
} as const;

/** Paths pino replaces with "[REDACTED]" wherever they appear (one and two levels deep). */
export const REDACT_PATHS = [
  "data", "*.data", "stringData", "*.stringData", "plaintext", "*.plaintext", "dek", "*.dek",
  "pin", "*.pin", "token", "*.token", "password", "*.password", "secret", "*.secret",
  "encryptedData", "*.encryptedData", "wrappedKey", "*.wrappedKey", "err.body", "err.response", "*.headers.authorization",
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { component: "envelope-operator" },
      redact: { paths: REDACT_PATHS, censor: "[REDACTED]" },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}
