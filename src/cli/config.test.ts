import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigFileError } from "./errors.ts";
import { findConfig, parseConfig, type CliConfig } from "./config.ts";
import { globToRegExp, resolveKeyRef, ruleMatches } from "./rules.ts";

const FILE = "/repo/.envelope.yaml";

const EXAMPLE = `
providers:
  dev:
    local: {keyFile: .envelope/keys.yaml}
  hsm:
    pkcs11: {module: /usr/lib/softhsm/libsofthsm2.so, tokenLabel: envelope, pinEnv: HSM_PIN}
  aws-prod:
    aws: {region: eu-west-2, endpoint: "http://localhost:4566"}
  azure-prod:
    azure: {vaultUrl: "https://v.vault.azure.net", caFile: certs/ca.pem}
rules:
  - path: "clusters/prod/**"
    namespace: "^prod-"
    provider: aws-prod
    key: alias/app
    keyVersion: 3
  - pathRegex: "\\\\.hsm\\\\.ya?ml$"
    provider: hsm
    key: wrap-key
  - path: "*.dev.yaml"
    provider: dev
    key: app
  - provider: dev
    key: fallback
`;

function configError(text: string): ConfigFileError {
  try {
    parseConfig(FILE, text);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigFileError);
    return err as ConfigFileError;
  }
  throw new Error("expected a ConfigFileError");
}

describe(".envelope.yaml", () => {
  const config = parseConfig(FILE, EXAMPLE);

  it("parses every provider type, resolving paths against the config directory", () => {
    expect(config.providers.get("dev")).toEqual({ name: "dev", type: "local", keyFile: "/repo/.envelope/keys.yaml" });
    expect(config.providers.get("hsm")).toEqual({ name: "hsm", type: "pkcs11", module: "/usr/lib/softhsm/libsofthsm2.so", tokenLabel: "envelope", pin: { env: "HSM_PIN" }, rsaOaepHash: "sha256" });
    expect(config.providers.get("aws-prod")).toEqual({ name: "aws-prod", type: "aws", region: "eu-west-2", endpoint: "http://localhost:4566" });
    expect(config.providers.get("azure-prod")).toEqual({ name: "azure-prod", type: "azure", vaultUrl: "https://v.vault.azure.net", caFile: "/repo/certs/ca.pem" });
    expect(config.rules).toHaveLength(4);
    expect(config.rules[0]?.keyVersion).toBe("3");
  });

  it.each([
    ["an unknown top-level field", "provider: {}\n", /unknown field "provider"/],
    ["two backends in one provider", "providers: {p: {local: {keyFile: k}, aws: {region: r}}}\n", /providers.p: set exactly one of/],
    ["a misspelt field", "providers: {p: {local: {keyfile: k}}}\n", /providers.p.local: unknown field "keyfile"/],
    ["a missing key file", "providers: {p: {local: {}}}\n", /providers.p.local.keyFile: must be a non-empty string/],
    ["both PIN sources", "providers: {p: {pkcs11: {module: m, tokenLabel: t, pinEnv: A, pinFile: f}}}\n", /set exactly one of pinEnv, pinFile/],
    ["a bad OAEP hash", "providers: {p: {pkcs11: {module: m, tokenLabel: t, pinEnv: A, rsaOaepHash: md5}}}\n", /rsaOaepHash: must be sha256 or sha1/],
    ["rules that are not a list", "rules: {a: b}\n", /rules: must be a list/],
    ["a rule without a key", "rules: [{provider: p}]\n", /rules\[0\].key: must be a non-empty string/],
    ["a bad regular expression", "rules: [{provider: p, key: k, namespace: '('}]\n", /rules\[0\].namespace: not a valid regular expression/],
    ["malformed YAML", "providers: [\n", /malformed YAML/],
  ])("rejects %s, naming the file and field", (_name, text, message) => {
    const err = configError(text);
    expect(err.message).toContain(FILE);
    expect(err.message).toMatch(message);
  });

  it("accepts an empty file", () => {
    expect(parseConfig(FILE, "").providers.size).toBe(0);
  });

  it("is found in the working directory or above it", async () => {
    const root = await mkdtemp(join(tmpdir(), "envelope-config-"));
    try {
      await mkdir(join(root, "a", "b"), { recursive: true });
      expect(await findConfig(join(root, "a", "b"))).toBeUndefined();
      await writeFile(join(root, ".envelope.yaml"), "");
      expect(await findConfig(join(root, "a", "b"))).toBe(join(root, ".envelope.yaml"));
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe("rules", () => {
  const config: CliConfig = parseConfig(FILE, EXAMPLE);
  const pick = (file: string | undefined, namespace?: string, flags = {}): string => {
    const ref = resolveKeyRef(config, { file, namespace }, flags);
    return `${ref.provider}/${ref.key}@${ref.version}`;
  };

  it.each([
    ["a prod path in a prod namespace", "/repo/clusters/prod/app/db.yaml", "prod-payments", "aws-prod/alias/app@3"],
    ["a prod path in another namespace (namespace condition fails)", "/repo/clusters/prod/app/db.yaml", "staging", "dev/fallback@latest"],
    ["a path matching the regex", "/repo/x/db.hsm.yml", "any", "hsm/wrap-key@latest"],
    ["a base-name glob in any directory", "/repo/deep/dir/db.dev.yaml", undefined, "dev/app@latest"],
    ["stdin to stdout (path rules cannot match)", undefined, "prod-payments", "dev/fallback@latest"],
  ])("picks the first matching rule for %s", (_name, file, namespace, expected) => {
    expect(pick(file, namespace)).toBe(expected);
  });

  it("lets flags override, and narrow the rules they do not override", () => {
    expect(pick("/repo/clusters/prod/db.yaml", "prod-a", { keyVersion: "7" })).toBe("aws-prod/alias/app@7");
    expect(pick("/repo/clusters/prod/db.yaml", "prod-a", { provider: "dev" })).toBe("dev/fallback@latest");
    expect(pick(undefined, undefined, { provider: "other", key: "k" })).toBe("other/k@latest");
  });

  it("says what to do when nothing matches", () => {
    const empty = parseConfig(FILE, "rules: [{path: 'x/**', provider: p, key: k}]\n");
    expect(() => resolveKeyRef(empty, { file: "/repo/y/db.yaml" }, {})).toThrow(/no rule in \/repo\/.envelope.yaml matches \(file \/repo\/y\/db.yaml, no namespace\); pass --provider and --key/);
    expect(() => resolveKeyRef(undefined, {}, { provider: "p" })).toThrow(ConfigFileError);
    expect(ruleMatches(empty, empty.rules[0]!, { file: "/repo/x/a/b.yaml" })).toBe(true);
  });

  it.each([
    ["**/*.yaml", "a/b/c.yaml", true],
    ["**/*.yaml", "c.yaml", true],
    ["secrets/*.yaml", "secrets/a/b.yaml", false],
    ["secrets/**", "secrets/a/b.yaml", true],
    ["db.?.yaml", "db.1.yaml", true],
    ["a+b(c).yaml", "a+b(c).yaml", true],
  ])("glob %s on %s is %s", (glob, path, expected) => {
    expect(globToRegExp(glob).test(path)).toBe(expected);
  });
});
