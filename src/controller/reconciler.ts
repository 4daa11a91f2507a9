// One reconcile of one EncryptedSecret: load, decide, act, report. Decisions live in pure modules
// (desired-secret, key-version, status); this file only orchestrates them. It never knows which key
// backend it talks to.
import { createHash, randomUUID } from "node:crypto";
import type { EncryptedSecret, EnvelopeSpec } from "../api/v1alpha1/types.ts";
import { ANNOTATION_ADOPT, LATEST_VERSION } from "../api/v1alpha1/constants.ts";
import { isOperatorError, KeyVersionBelowFloorError, NamespaceNotAllowedError, NotOwnedError } from "../errors.ts";
import { bindingFor, checkBinding, openWithKey, parseSpec, rewrapEnvelope, unwrapDek } from "../envelope/index.ts";
import type { Logger } from "../observability/logger.ts";
import { LOG_KEYS } from "../observability/logger.ts";
import type { ControllerMetrics } from "../observability/metrics.ts";
import type { DekCache } from "./dek-cache.ts";
import { desiredSecret, isOwnedBy, isUpToDate, needsRecreate, secretName, sourceHash, type SecretObject } from "./desired-secret.ts";
import { effectiveEnvelope, envelopeDigest, isBelowFloor } from "./key-version.ts";
import type { EncryptedSecretSource, NamespaceLookup, SecretAccess } from "./ports.ts";
import type { ProviderResolver, ResolvedProvider } from "./providers.ts";
import type { Reporter } from "./reporter.ts";
import type { Outcome, StatusEnvelope } from "./status.ts";

export interface ReconcilerDeps {
  readonly encryptedSecrets: EncryptedSecretSource;
  readonly secrets: SecretAccess;
  readonly namespaces: NamespaceLookup;
  readonly providers: ProviderResolver;
  readonly dekCache: DekCache;
  readonly reporter: Reporter;
  readonly metrics: ControllerMetrics;
  readonly log: Logger;
}

/** What the queue does next with the key. */
export type Result = { readonly kind: "done" } | { readonly kind: "backoff"; readonly retryAfterMs?: number } | { readonly kind: "terminal" };

export class Reconciler {
  private readonly deps: ReconcilerDeps;

  constructor(deps: ReconcilerDeps) {
    this.deps = deps;
  }

  async reconcile(namespace: string, name: string): Promise<Result> {
    const es = this.deps.encryptedSecrets.get(namespace, name);
    // Gone or going: its Secret is garbage-collected through the ownerReference.
    if (es === undefined || es.metadata.deletionTimestamp !== undefined) return { kind: "done" };
    const log = this.deps.log.child({ [LOG_KEYS.reconcileId]: randomUUID(), [LOG_KEYS.namespace]: namespace, [LOG_KEYS.name]: name });
    const outcome = await this.sync(es, log).catch((err: unknown) => failure(err, log));
    await this.deps.reporter.report(es, outcome);
    if (outcome.kind === "ready") return { kind: "done" };
    return outcome.retry === "backoff" ? { kind: "backoff" } : { kind: "terminal" };
  }

  private async sync(es: EncryptedSecret, log: Logger): Promise<Outcome> {
    const namespace = es.metadata.namespace ?? "";
    const spec = parseSpec(es.spec);
    const validated: EncryptedSecret = { ...es, spec };
    const provider = await this.deps.providers.resolve(spec.keyRef.provider);
    await this.checkNamespace(provider, namespace);
    const current = effectiveEnvelope(validated);
    checkFloor(provider, current.keyVersion, "the envelope is wrapped by key");
    const target = secretName(validated);
    const live = await this.liveSecret(validated, target);
    if (live === undefined || !isUpToDate(live, validated)) await this.write(validated, current, provider, live, log);
    // The Secret is right before the envelope is touched: a failed rotation never costs the Secret.
    const rotation = await this.rotate(validated, current, provider, log);
    const pending = rotation.envelope !== undefined;
    // One message per state, so a resync that changes nothing does not rewrite status.
    const message = pending
      ? `Secret ${namespace}/${target} is up to date; the data key is rewrapped to key version ${rotation.keyVersion} in status until git has it (envelope pull)`
      : `Secret ${namespace}/${target} is up to date (key version ${rotation.keyVersion})`;
    return { kind: "ready", reason: pending ? "RewrapPending" : "Synced", keyVersion: rotation.keyVersion, secretName: target, sourceHash: sourceHash(validated), message, envelope: rotation.envelope };
  }

  private async write(es: EncryptedSecret, envelope: EnvelopeSpec, provider: ResolvedProvider, live: SecretObject | undefined, log: Logger): Promise<void> {
    const namespace = es.metadata.namespace ?? "";
    const desired = await this.materialize(es, envelope, provider);
    if (live !== undefined && needsRecreate(live, desired)) {
      await this.deps.secrets.delete(namespace, desired.metadata.name);
      this.deps.metrics.secretWrites.inc({ operation: "delete" });
    }
    await this.deps.secrets.apply(desired);
    this.deps.metrics.secretWrites.inc({ operation: "apply" });
    log.info({ [LOG_KEYS.keyVersion]: envelope.keyVersion }, live === undefined ? "Created Secret" : "Updated Secret");
  }

  /**
   * Brings the envelope in use to the requested KEK version without touching the data: unwrap and
   * wrap again (or the backend's own rewrap), verified against the key commitment, kept in status
   * (which GitOps does not own) keyed to the spec envelope it replaces — so re-applying the old
   * manifest from git does not trigger another rewrap, and git catching up makes it unnecessary.
   */
  private async rotate(es: EncryptedSecret, current: EnvelopeSpec, provider: ResolvedProvider, log: Logger): Promise<{ keyVersion: string; envelope: StatusEnvelope | undefined }> {
    const { keyRef, envelope: inSpec } = es.spec;
    const requested = keyRef.version === LATEST_VERSION ? await provider.currentVersion(keyRef.key) : keyRef.version;
    if (inSpec.key === keyRef.key && inSpec.keyVersion === requested) return { keyVersion: requested, envelope: undefined };
    const inStatus = es.status?.envelope;
    if (current.key === keyRef.key && current.keyVersion === requested && inStatus !== undefined) return { keyVersion: requested, envelope: inStatus };
    checkFloor(provider, requested, "the requested key");
    const binding = bindingFor(es.spec.scope, es.metadata.namespace ?? "", es.metadata.name);
    const next = await rewrapEnvelope(provider.backend, current, { key: keyRef.key, version: requested }, binding);
    log.info({ [LOG_KEYS.keyVersion]: next.keyVersion, from_key_version: current.keyVersion }, "Rewrapped data key");
    return { keyVersion: next.keyVersion, envelope: { ...next, replaces: envelopeDigest(inSpec) } };
  }

  /** The Secret there now, if the operator may write it; NotOwned for a foreign one unless adoption is asked for. */
  private async liveSecret(es: EncryptedSecret, target: string): Promise<SecretObject | undefined> {
    const namespace = es.metadata.namespace ?? "";
    const live = await this.deps.secrets.get(namespace, target);
    if (live !== undefined && !isOwnedBy(live, es) && es.metadata.annotations?.[ANNOTATION_ADOPT] !== "true") {
      throw new NotOwnedError(`Secret ${namespace}/${target} exists and is not managed by this EncryptedSecret; set annotation ${ANNOTATION_ADOPT}: "true" to adopt it`);
    }
    return live;
  }

  private async checkNamespace(provider: ResolvedProvider, namespace: string): Promise<void> {
    if (!provider.restrictsNamespaces) return;
    const labels = (await this.deps.namespaces.labels(namespace)) ?? {};
    if (!provider.allowsNamespace(labels)) {
      throw new NamespaceNotAllowedError(`KeyProvider "${provider.name}" does not allow namespace "${namespace}" (allowedNamespaces)`);
    }
  }

  /** Unwraps (through the DEK cache), verifies and decrypts, builds the Secret, and zeroes every plaintext buffer. */
  private async materialize(es: EncryptedSecret, envelope: EnvelopeSpec, provider: ResolvedProvider): Promise<SecretObject> {
    const namespace = es.metadata.namespace ?? "";
    const spec = { ...es.spec, envelope };
    // A copied object fails here, before any KMS call.
    checkBinding(spec, { namespace, name: es.metadata.name });
    const dek = await this.unwrap(provider, envelope, bindingFor(spec.scope, namespace, es.metadata.name));
    let values: Map<string, Uint8Array> | undefined;
    try {
      values = openWithKey(dek, spec, { namespace, name: es.metadata.name });
      return desiredSecret(es, values);
    } finally {
      dek.fill(0);
      for (const v of values?.values() ?? []) v.fill(0);
    }
  }

  private async unwrap(provider: ResolvedProvider, envelope: EnvelopeSpec, binding: ReturnType<typeof bindingFor>): Promise<Buffer> {
    const id = createHash("sha256").update(`${provider.name}\0${envelope.key}\0${envelope.keyVersion}\0${envelope.algorithm}\0${envelope.wrappedKey}\0${binding.scope}\0${binding.namespace}\0${binding.name}`).digest("hex");
    const cached = this.deps.dekCache.get(id);
    this.deps.metrics.dekCache.inc({ result: cached === undefined ? "miss" : "hit" });
    if (cached !== undefined) return cached;
    // unwrapDek verifies the key commitment, so a wrong key is never cached.
    const dek = await unwrapDek(provider.backend, envelope, binding);
    const owned = Buffer.from(dek);
    dek.fill(0);
    this.deps.dekCache.set(id, owned);
    return owned;
  }
}

function checkFloor(provider: ResolvedProvider, version: string, what: string): void {
  if (isBelowFloor(version, provider.minVersion)) {
    throw new KeyVersionBelowFloorError(`${what} version ${version}, below KeyProvider "${provider.name}" minVersion ${provider.minVersion ?? ""}`);
  }
}

function failure(err: unknown, log: Logger): Outcome {
  if (isOperatorError(err)) {
    log.info({ reason: err.reason, retry: err.retry }, `Reconcile failed: ${err.message}`);
    return { kind: "failed", reason: err.reason, retry: err.retry, message: err.message };
  }
  log.error({ err }, "Reconcile failed with an unexpected error");
  return { kind: "failed", reason: "InternalError", retry: "backoff", message: "internal error; see the controller log" };
}
