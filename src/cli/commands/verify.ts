// `envelope verify FILE|DIR…`: offline checks for CI. For every EncryptedSecret document (files and
// directories walked recursively for *.yaml/*.yml; other kinds skipped): well-formed (parseSpec),
// binding matches the manifest's own namespace/name, provider and key on allow-lists, KEK version
// at or above a floor. Decrypts nothing, needs no key: it cannot tell a tampered value from a good
// one (only the controller or `envelope open` can). One PASS/FAIL line per object; exit 1 if any fails.
import { field } from "../../envelope/fields.ts";
import { checkBinding } from "../../envelope/index.ts";
import type { Command, Context } from "../context.ts";
import { isEncryptedSecretObject, parseEncryptedSecret, type EncryptedSecretFile } from "../encrypted-secret.ts";
import { messageOf, UsageError } from "../errors.ts";
import { collectYamlFiles, type FoundFile } from "../files.ts";
import { decodeUtf8, readInput } from "../io.ts";
import { HELP_OPTION, parseCommandArgs } from "../options.ts";
import { parseYamlDocuments } from "../yaml-input.ts";

const OPTIONS = {
  ...HELP_OPTION,
  "allow-provider": { type: "string", multiple: true },
  "allow-key": { type: "string", multiple: true },
  "min-version": { type: "string" },
  namespace: { type: "string", short: "n" },
} as const;

const USAGE = `Usage: envelope verify FILE|DIR|-… [flags]

Checks EncryptedSecret manifests offline, for CI. Directories are walked recursively (*.yaml, *.yml;
hidden directories skipped); multi-document files are read document by document and objects of
other kinds are skipped. For each EncryptedSecret:
  - the envelope is well-formed (format version, fields, base64, sizes, key names, template);
  - its binding (envelope.namespace/name) matches the manifest's metadata.namespace/name;
  - the provider and the key are on the allow-lists, when given;
  - the KEK version (envelope.keyVersion, and keyRef.version unless "latest") is at least --min-version.
Decrypts nothing and needs no key, so a tampered value is NOT detected (envelope open does that).

Flags:
      --allow-provider NAME  allowed keyRef.provider (repeatable)
      --allow-key KEY        allowed KEK id, checked on keyRef.key and envelope.key (repeatable)
      --min-version N        lowest allowed numeric KEK version
  -n, --namespace NS         namespace for manifests without metadata.namespace (as a GitOps tool sets it)
  -h, --help                 this help

Prints PASS or FAIL (with the reasons) per object and a summary; exits 1 if any object failed.
`;

export interface VerifyPolicy {
  readonly allowProviders: readonly string[];
  readonly allowKeys: readonly string[];
  readonly minVersion: number | undefined;
  readonly namespace: string | undefined;
}

interface VerifyOptions extends VerifyPolicy {
  readonly paths: readonly string[];
}

function parseMinVersion(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[0-9]{1,9}$/.test(value)) throw new UsageError("verify: --min-version must be a non-negative integer");
  return Number(value);
}

export function parseVerifyOptions(argv: readonly string[]): VerifyOptions | "help" {
  const { values, positionals } = parseCommandArgs("verify", OPTIONS, argv);
  if (values.help === true) return "help";
  if (positionals.length === 0) throw new UsageError("verify: expected at least one FILE or DIR (or - for stdin)");
  return {
    paths: positionals,
    allowProviders: values["allow-provider"] ?? [],
    allowKeys: values["allow-key"] ?? [],
    minVersion: parseMinVersion(values["min-version"]),
    namespace: values.namespace,
  };
}

function versionProblem(what: string, version: string, min: number): string | undefined {
  if (!/^[0-9]+$/.test(version)) return `${what} ${JSON.stringify(version)} is not numeric; --min-version compares numeric versions`;
  return Number(version) < min ? `${what} ${version} is below the minimum version ${min}` : undefined;
}

function bindingProblem(file: EncryptedSecretFile, policy: VerifyPolicy): string | undefined {
  const namespace = file.metadata.namespace ?? policy.namespace;
  if (namespace === undefined && file.spec.scope !== "cluster") return "metadata.namespace is missing, so the binding cannot be checked (pass --namespace)";
  try {
    checkBinding(file.spec, { namespace: namespace ?? "", name: file.metadata.name });
    return undefined;
  } catch (err) {
    return messageOf(err);
  }
}

/** Every policy problem of a well-formed object, in a fixed order; empty when it passes. */
export function policyProblems(file: EncryptedSecretFile, policy: VerifyPolicy): string[] {
  const { keyRef, envelope } = file.spec;
  const problems = [bindingProblem(file, policy)];
  if (policy.allowProviders.length > 0 && !policy.allowProviders.includes(keyRef.provider)) {
    problems.push(`provider ${JSON.stringify(keyRef.provider)} is not allowed (--allow-provider ${policy.allowProviders.join(", ")})`);
  }
  for (const [what, key] of [["keyRef.key", keyRef.key], ["envelope.key", envelope.key]] as const) {
    if (policy.allowKeys.length > 0 && !policy.allowKeys.includes(key)) problems.push(`${what} ${JSON.stringify(key)} is not allowed (--allow-key ${policy.allowKeys.join(", ")})`);
  }
  if (policy.minVersion !== undefined) {
    problems.push(versionProblem("envelope.keyVersion", envelope.keyVersion, policy.minVersion));
    if (keyRef.version !== "latest") problems.push(versionProblem("keyRef.version", keyRef.version, policy.minVersion));
  }
  return problems.filter((p): p is string => p !== undefined);
}

function objectName(value: unknown): string {
  const metadata = typeof value === "object" && value !== null ? field(value as Record<string, unknown>, "metadata") : undefined;
  const rec = typeof metadata === "object" && metadata !== null ? (metadata as Record<string, unknown>) : {};
  const [ns, name] = [field(rec, "namespace"), field(rec, "name")];
  return `${typeof ns === "string" ? `${ns}/` : ""}${typeof name === "string" ? name : "(no name)"}`;
}

/** The verdict line for one EncryptedSecret document. */
export function verifyObject(location: string, value: unknown, policy: VerifyPolicy): { pass: boolean; line: string } {
  const object = objectName(value);
  let problems: string[];
  try {
    problems = policyProblems(parseEncryptedSecret(value), policy);
  } catch (err) {
    problems = [messageOf(err)];
  }
  if (problems.length === 0) return { pass: true, line: `PASS ${location}: ${object}` };
  return { pass: false, line: `FAIL ${location}: ${object}: ${problems.join("; ")}` };
}

interface Tally {
  passed: number;
  failed: number;
  skipped: number;
}

async function verifyFile(context: Context, file: FoundFile, policy: VerifyPolicy, tally: Tally): Promise<void> {
  let docs;
  try {
    docs = parseYamlDocuments(file.shown, decodeUtf8(file.shown, await readInput(context.io, file.full)));
  } catch (err) {
    tally.failed++;
    context.io.stdout.write(`FAIL ${messageOf(err)}\n`);
    return;
  }
  for (const doc of docs) {
    if (!isEncryptedSecretObject(doc.value)) {
      tally.skipped++;
      continue;
    }
    const verdict = verifyObject(docs.length > 1 ? `${file.shown}#${doc.index}` : file.shown, doc.value, policy);
    if (verdict.pass) tally.passed++;
    else tally.failed++;
    context.io.stdout.write(`${verdict.line}\n`);
  }
}

export async function runVerify(context: Context, opts: VerifyOptions): Promise<number> {
  const tally: Tally = { passed: 0, failed: 0, skipped: 0 };
  for (const file of await collectYamlFiles(context, "verify", opts.paths, true)) await verifyFile(context, file, opts, tally);
  context.io.stdout.write(`${tally.passed} passed, ${tally.failed} failed, ${tally.skipped} other documents skipped\n`);
  return tally.failed > 0 ? 1 : 0;
}

export const verifyCommand: Command = {
  name: "verify",
  summary: "check EncryptedSecret files offline (CI): format, binding, allow-lists, version floor",
  usage: USAGE,
  run: async (argv, context) => {
    const opts = parseVerifyOptions(argv);
    if (opts === "help") {
      context.io.stdout.write(USAGE);
      return 0;
    }
    return runVerify(context, opts);
  },
};
