// client-node implementations of the controller's ports (src/controller/ports.ts): the only place
// that turns controller intentions into Kubernetes API calls.
import { randomBytes } from "node:crypto";
import { CoreV1Api, CustomObjectsApi, KubernetesObjectApi, PatchStrategy, setHeaderOptions, type KubeConfig, type V1Secret } from "@kubernetes/client-node";
import { FIELD_MANAGER, GROUP, PLURAL_ENCRYPTED_SECRETS, VERSION } from "../api/v1alpha1/constants.ts";
import type { EncryptedSecret, EncryptedSecretStatus } from "../api/v1alpha1/types.ts";
import type { SecretObject } from "../controller/desired-secret.ts";
import type { EventSink, EventType, NamespaceLookup, SecretAccess, StatusWriter } from "../controller/ports.ts";
import type { Cache } from "./informer.ts";
import { ApiServerError, apiStatusCode, isNotFound } from "./errors.ts";
import { ProviderUnavailableError } from "../errors.ts";

export class KubeSecretAccess implements SecretAccess {
  private readonly core: CoreV1Api;
  private readonly objects: KubernetesObjectApi;
  private readonly managed: Cache<V1Secret>;

  constructor(kc: KubeConfig, managed: Cache<V1Secret>) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.objects = KubernetesObjectApi.makeApiClient(kc);
    this.managed = managed;
  }

  async get(namespace: string, name: string): Promise<SecretObject | undefined> {
    const cached = this.managed.get(name, namespace);
    if (cached !== undefined) return cached as SecretObject;
    // Not a Secret we manage (or not there): one GET, so an unowned Secret is seen and left alone.
    try {
      return (await this.core.readNamespacedSecret({ name, namespace })) as SecretObject;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw new ApiServerError(`reading Secret ${namespace}/${name}`, err);
    }
  }

  async apply(secret: SecretObject): Promise<void> {
    try {
      await this.objects.patch(secret, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
    } catch (err) {
      throw new ApiServerError(`applying Secret ${secret.metadata.namespace}/${secret.metadata.name}`, err);
    }
  }

  async delete(namespace: string, name: string): Promise<void> {
    try {
      await this.core.deleteNamespacedSecret({ name, namespace });
    } catch (err) {
      if (!isNotFound(err)) throw new ApiServerError(`deleting Secret ${namespace}/${name}`, err);
    }
  }
}

export class KubeStatusWriter implements StatusWriter {
  private readonly custom: CustomObjectsApi;

  constructor(kc: KubeConfig) {
    this.custom = kc.makeApiClient(CustomObjectsApi);
  }

  async patchStatus(es: EncryptedSecret, status: EncryptedSecretStatus): Promise<void> {
    const namespace = es.metadata.namespace ?? "";
    try {
      // A merge patch of the status subresource: it never touches spec (which GitOps owns).
      await this.custom.patchNamespacedCustomObjectStatus(
        // `envelope: null` removes a rewrapped envelope that git has caught up with (merge-patch semantics).
        { group: GROUP, version: VERSION, plural: PLURAL_ENCRYPTED_SECRETS, namespace, name: es.metadata.name, body: { status: { ...status, envelope: status.envelope ?? null } } },
        setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
      );
    } catch (err) {
      if (isNotFound(err)) return; // deleted meanwhile: nothing to report on
      throw new ApiServerError(`updating status of EncryptedSecret ${namespace}/${es.metadata.name}`, err);
    }
  }
}

export class KubeEventSink implements EventSink {
  private readonly core: CoreV1Api;
  private readonly component: string;
  private readonly host: string;

  constructor(kc: KubeConfig, component: string, host: string) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.component = component;
    this.host = host;
  }

  async emit(es: EncryptedSecret, type: EventType, reason: string, message: string): Promise<void> {
    const namespace = es.metadata.namespace ?? "default";
    const now = new Date();
    await this.core.createNamespacedEvent({
      namespace,
      body: {
        metadata: { name: `${es.metadata.name}.${randomBytes(8).toString("hex")}`, namespace },
        involvedObject: { apiVersion: es.apiVersion, kind: es.kind, name: es.metadata.name, namespace, ...(es.metadata.uid === undefined ? {} : { uid: es.metadata.uid }) },
        type,
        reason,
        message,
        count: 1,
        firstTimestamp: now,
        lastTimestamp: now,
        source: { component: this.component, host: this.host },
        reportingComponent: this.component,
        reportingInstance: this.host,
      },
    });
  }
}

export class KubeNamespaceLookup implements NamespaceLookup {
  private readonly core: CoreV1Api;

  constructor(kc: KubeConfig) {
    this.core = kc.makeApiClient(CoreV1Api);
  }

  async labels(name: string): Promise<Record<string, string> | undefined> {
    try {
      const ns = await this.core.readNamespace({ name });
      return ns.metadata?.labels ?? {};
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw new ApiServerError(`reading Namespace ${name}`, err);
    }
  }
}

/** Reads Secrets a KeyProvider refers to (local KEKs, credentials, PINs). A missing or unreadable
 * Secret makes the provider unavailable (retried with backoff: it may be created later). */
export function secretDataReader(kc: KubeConfig): (namespace: string, name: string) => Promise<Record<string, string>> {
  const core = kc.makeApiClient(CoreV1Api);
  return async (namespace, name) => {
    try {
      return (await core.readNamespacedSecret({ namespace, name })).data ?? {};
    } catch (err) {
      const code = apiStatusCode(err);
      throw new ProviderUnavailableError(`reading Secret ${namespace}/${name} for a KeyProvider failed${code === undefined ? "" : ` with HTTP ${code}`}${code === 404 ? " (not found)" : ""}`, { cause: err });
    }
  };
}
