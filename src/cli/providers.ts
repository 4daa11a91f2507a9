// Key backends for the CLI, built from the providers of .envelope.yaml. The only CLI module that
// knows backend types: adding one is one line in BUILDERS (the lead wires pkcs11/aws/azure here,
// sharing their construction with src/kms/registry.ts). Until then those types fail with a typed
// BackendNotAvailableError (exit 4), and a provider that .envelope.yaml does not declare fails with
// ProviderNotConfiguredError: looking KeyProviders up in the cluster is a later feature.
import { readFile, stat } from "node:fs/promises";
import { ProviderMisconfiguredError } from "../errors.ts";
import { keySetFromFile, zeroKeySet, type LocalKeySet } from "../kms/local/key-set.ts";
import { LocalBackend } from "../kms/local/local.ts";
import type { KeyBackend } from "../kms/types.ts";
import { Pkcs11Backend } from "../kms/pkcs11/pkcs11.ts";
import type { CliConfig, LocalProviderConfig, Pkcs11ProviderConfig, ProviderConfig, ProviderType } from "./config.ts";
import { BackendNotAvailableError, ProviderNotConfiguredError } from "./errors.ts";

export interface ProviderContext {
  /** For secrets a provider names by environment variable (pkcs11 pinEnv). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly warn: (message: string) => void;
}

export type BackendFactory = (provider: ProviderConfig, ctx: ProviderContext) => Promise<KeyBackend>;

type Builder<T extends ProviderType> = (provider: Extract<ProviderConfig, { type: T }>, ctx: ProviderContext) => Promise<KeyBackend>;

function code(err: unknown): string {
  const c = (err as { code?: unknown } | null)?.code;
  return typeof c === "string" ? c : "unknown error";
}

async function readKeyFile(provider: LocalProviderConfig, ctx: ProviderContext): Promise<LocalKeySet> {
  const where = `provider ${provider.name}: key file ${provider.keyFile}`;
  let text: string;
  try {
    const info = await stat(provider.keyFile);
    // Like ssh with private keys: say so, but do not refuse (the file may be on a filesystem without modes).
    if ((info.mode & 0o077) !== 0) ctx.warn(`${where} is readable by others (mode ${(info.mode & 0o777).toString(8)}); run chmod 600`);
    text = await readFile(provider.keyFile, "utf8");
  } catch (err) {
    throw new ProviderMisconfiguredError(`${where} cannot be read (${code(err)}); create it with envelope keygen`, { cause: err });
  }
  try {
    return keySetFromFile(where, text);
  } catch (err) {
    throw new ProviderMisconfiguredError(err instanceof Error ? err.message : where, { cause: err });
  }
}

/** Delegates to `backend` and zeroes the key material `cleanup` owns when closed. */
function withCleanup(backend: KeyBackend, cleanup: () => void): KeyBackend {
  return {
    type: backend.type,
    wrap: (dek, kek, binding, signal) => backend.wrap(dek, kek, binding, signal),
    unwrap: (wrapped, binding, signal) => backend.unwrap(wrapped, binding, signal),
    currentVersion: (key, signal) => backend.currentVersion(key, signal),
    publicKey: (kek, signal) => backend.publicKey(kek, signal),
    close: async () => {
      cleanup();
      await backend.close();
    },
  };
}

const buildLocal: Builder<"local"> = async (provider, ctx) => {
  const keys = await readKeyFile(provider, ctx);
  return withCleanup(new LocalBackend(async () => keys), () => zeroKeySet(keys));
};

const buildPkcs11: Builder<"pkcs11"> = async (provider, ctx) => {
  const pin = await readPin(provider, ctx);
  return Pkcs11Backend.open({ module: provider.module, tokenLabel: provider.tokenLabel, pin, rsaOaepHash: provider.rsaOaepHash });
};

async function readPin(provider: Pkcs11ProviderConfig, ctx: ProviderContext): Promise<string> {
  if ("env" in provider.pin) {
    const value = ctx.env[provider.pin.env];
    if (value === undefined || value === "") throw new ProviderMisconfiguredError(`provider ${provider.name}: environment variable ${provider.pin.env} (PKCS#11 PIN) is not set`);
    return value;
  }
  const file = provider.pin.file;
  const text = await readFile(file, "utf8").catch((err: unknown) => {
    throw new ProviderMisconfiguredError(`provider ${provider.name}: cannot read the PIN file ${file}`, { cause: err });
  });
  // A PIN file written with `echo` ends with a newline.
  return text.replace(/\r?\n$/, "");
}

function notYetAvailable<T extends ProviderType>(type: T): Builder<T> {
  return async (provider) => {
    throw new BackendNotAvailableError(`provider ${provider.name}: ${type} backends are not available in the CLI yet (local and pkcs11 are)`);
  };
}

const BUILDERS: { readonly [T in ProviderType]: Builder<T> } = {
  local: buildLocal,
  pkcs11: buildPkcs11,
  aws: notYetAvailable("aws"),
  azure: notYetAvailable("azure"),
};

/** The default BackendFactory. */
export const createCliBackend: BackendFactory = (provider, ctx) => (BUILDERS[provider.type] as Builder<ProviderType>)(provider, ctx);

/** The declared provider `name`, or a typed error saying how to declare it. */
export function providerConfig(config: CliConfig | undefined, name: string): ProviderConfig {
  const found = config?.providers.get(name);
  if (found !== undefined) return found;
  const where = config === undefined ? "no .envelope.yaml was found (searched from the working directory up; or pass --config)" : `${config.file} does not declare it`;
  throw new ProviderNotConfiguredError(
    `provider ${JSON.stringify(name)} is not configured: ${where}; add it under "providers:" (looking up KeyProviders in the cluster is not supported yet)`,
  );
}

export interface BackendUse {
  readonly backends: BackendFactory;
  readonly ctx: ProviderContext;
}

/** Builds the backend of provider `name`, runs `fn` with it and closes it (zeroing its key material). */
export async function withBackend<T>(use: BackendUse, config: CliConfig | undefined, name: string, fn: (backend: KeyBackend) => Promise<T>): Promise<T> {
  const backend = await use.backends(providerConfig(config, name), use.ctx);
  try {
    return await fn(backend);
  } finally {
    await backend.close();
  }
}
