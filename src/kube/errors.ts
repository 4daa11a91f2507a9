// Classifies Kubernetes API failures by HTTP status code (client-node's ApiException.code), once,
// at the adapter. Nothing above this layer looks at API error text.
import { OperatorError } from "../errors.ts";

export function apiStatusCode(err: unknown): number | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const code = (err as { code?: unknown; statusCode?: unknown }).code ?? (err as { statusCode?: unknown }).statusCode;
  return typeof code === "number" ? code : undefined;
}

export const isNotFound = (err: unknown): boolean => apiStatusCode(err) === 404;
export const isConflict = (err: unknown): boolean => apiStatusCode(err) === 409;

/** A write or read the controller needed failed at the API server; retried with backoff. */
export class ApiServerError extends OperatorError {
  readonly reason = "ApiServerError" as const;
  readonly retry = "backoff" as const;
  readonly statusCode: number | undefined;

  constructor(action: string, cause: unknown) {
    const code = apiStatusCode(cause);
    super(`${action} failed${code === undefined ? "" : ` with HTTP ${code}`}${code === 403 ? " (forbidden: check the operator's RBAC)" : ""}`, { cause });
    this.statusCode = code;
  }
}
