// Resolves a KeyProvider name to a ready key backend plus the provider's policy (which namespaces
// may use it, the version floor). Backends are built by a factory the composition root passes in,
// cached per KeyProvider generation, and closed when the KeyProvider changes or goes away.
import type { KeyBackend } from "../kms/types.ts";
import { UnknownProviderError } from "../errors.ts";
import type { KeyProvider } from "../api/v1alpha1/key-provider.ts";
import { matchesSelector } from "./label-selector.ts";
import type { Clock } from "./clock.ts";

export type KeyProviderObject = KeyProvider;

export interface ResolvedProvider {
  readonly name: string;
  readonly backend: KeyBackend;
  readonly minVersion: string | undefined;
  /** Whether `allowsNamespace` needs the namespace's labels at all (no selector: everyone may). */
  readonly restrictsNamespaces: boolean;
  allowsNamespace(labels: Readonly<Record<string, string>>): boolean;
  /** What "latest" resolves to for `key`, asked of the backend at most once per poll interval. */
  currentVersion(key: string): Promise<string>;
}

export interface ProviderResolver {
  resolve(name: string): Promise<ResolvedProvider>;
}

export type BackendFactory = (provider: KeyProviderObject) => Promise<KeyBackend>;

export interface ProviderSource {
  get(name: string): KeyProviderObject | undefined;
}

interface Entry {
  readonly version: string;
  readonly resolved: Promise<ResolvedProvider>;
}

export interface VersionPolling {
  readonly clock: Clock;
  /** How long a resolved "latest" version is trusted before the backend is asked again. */
  readonly intervalMs: number;
}

export class CachingProviderResolver implements ProviderResolver {
  private readonly entries = new Map<string, Entry>();
  private readonly source: ProviderSource;
  private readonly factory: BackendFactory;
  private readonly polling: VersionPolling;

  constructor(source: ProviderSource, factory: BackendFactory, polling: VersionPolling) {
    this.source = source;
    this.factory = factory;
    this.polling = polling;
  }

  resolve(name: string): Promise<ResolvedProvider> {
    const provider = this.source.get(name);
    if (provider === undefined) {
      this.forget(name);
      return Promise.reject(new UnknownProviderError(`KeyProvider "${name}" does not exist`));
    }
    const version = `${provider.metadata.uid ?? ""}/${provider.metadata.generation ?? 0}`;
    const cached = this.entries.get(name);
    if (cached !== undefined && cached.version === version) return cached.resolved;
    this.forget(name);
    const resolved = this.build(provider);
    this.entries.set(name, { version, resolved });
    // A failed build (bad credentials Secret, unreachable module) is retried on the next reconcile.
    resolved.catch(() => {
      if (this.entries.get(name)?.resolved === resolved) this.entries.delete(name);
    });
    return resolved;
  }

  /** Drops and closes the cached backend of `name` (KeyProvider changed or deleted). */
  forget(name: string): void {
    const entry = this.entries.get(name);
    if (entry === undefined) return;
    this.entries.delete(name);
    entry.resolved.then((r) => r.backend.close()).catch(() => {});
  }

  async closeAll(): Promise<void> {
    const all = [...this.entries.keys()];
    for (const name of all) this.forget(name);
  }

  private async build(provider: KeyProviderObject): Promise<ResolvedProvider> {
    const backend = await this.factory(provider);
    const selector = provider.spec.allowedNamespaces;
    const versions = new Map<string, { version: string; at: number }>();
    const { clock, intervalMs } = this.polling;
    return {
      name: provider.metadata.name,
      backend,
      minVersion: provider.spec.minVersion,
      restrictsNamespaces: selector !== undefined,
      allowsNamespace: (labels) => matchesSelector(selector, labels),
      currentVersion: async (key) => {
        const cached = versions.get(key);
        if (cached !== undefined && clock.now() - cached.at < intervalMs) return cached.version;
        const version = await backend.currentVersion(key);
        versions.set(key, { version, at: clock.now() });
        return version;
      },
    };
  }
}
