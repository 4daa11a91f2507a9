// `envelope inspect FILE|-`: what an EncryptedSecret says about itself — format, key reference,
// wrap, scope and binding, Secret type, key names and sizes — from its clear-text fields only.
// Decrypts nothing and needs no key or config.
import { checkBinding, inspect, type EnvelopeInfo } from "../../envelope/index.ts";
import type { KeyRefSpec } from "../../api/v1alpha1/types.ts";
import type { Command, Context } from "../context.ts";
import { loadEncryptedSecret, type EncryptedSecretFile } from "../encrypted-secret.ts";
import { UsageError } from "../errors.ts";
import { HELP_OPTION, parseCommandArgs, parseOutputFormat } from "../options.ts";

const OPTIONS = { ...HELP_OPTION, output: { type: "string", short: "o" } } as const;

const USAGE = `Usage: envelope inspect FILE|- [-o text|json]

Shows an EncryptedSecret's metadata: envelope format, key reference (provider, key, version), the
KEK version and algorithm that wrapped its data key, scope and bound namespace/name (and whether
they match the object's metadata), Secret type, label/annotation keys, value names and sizes.
Decrypts nothing; needs no key.

Flags:
  -o, --output FORMAT  text (default) or json
  -h, --help           this help
`;

interface InspectOptions {
  readonly file: string;
  readonly format: "text" | "json";
}

export interface InspectReport {
  readonly file: string;
  readonly object: { readonly name: string; readonly namespace?: string };
  readonly keyRef: KeyRefSpec;
  readonly envelope: EnvelopeInfo;
  /** Whether envelope.namespace/name match the object's metadata; undefined without a namespace to compare. */
  readonly binding: { readonly matches: boolean; readonly problem?: string } | undefined;
}

export function parseInspectOptions(argv: readonly string[]): InspectOptions | "help" {
  const { values, positionals } = parseCommandArgs("inspect", OPTIONS, argv);
  if (values.help === true) return "help";
  if (positionals.length !== 1) throw new UsageError(`inspect: expected one FILE (or - for stdin), got ${positionals.length} arguments`);
  return { file: positionals[0] ?? "-", format: parseOutputFormat("inspect", values.output) };
}

function bindingOf(file: EncryptedSecretFile): InspectReport["binding"] {
  const namespace = file.metadata.namespace;
  if (namespace === undefined && file.spec.scope !== "cluster") return undefined;
  try {
    checkBinding(file.spec, { namespace: namespace ?? "", name: file.metadata.name });
    return { matches: true };
  } catch (err) {
    return { matches: false, problem: err instanceof Error ? err.message : "binding mismatch" };
  }
}

export function inspectReport(where: string, file: EncryptedSecretFile): InspectReport {
  const { name, namespace } = file.metadata;
  return {
    file: where,
    object: { name, ...(namespace !== undefined ? { namespace } : {}) },
    keyRef: file.spec.keyRef,
    envelope: inspect(file.spec),
    binding: bindingOf(file),
  };
}

function boundTo(info: EnvelopeInfo): string {
  if (info.scope === "cluster") return "cluster (any namespace and name)";
  if (info.scope === "namespace") return `namespace (bound to namespace ${info.namespace ?? "?"})`;
  return `strict (bound to ${info.namespace ?? "?"}/${info.name ?? "?"})`;
}

function bindingText(binding: InspectReport["binding"]): string {
  if (binding === undefined) return "not checked (no metadata.namespace)";
  return binding.matches ? "matches the object's metadata" : `MISMATCH: ${binding.problem ?? ""}`;
}

function keysText(keys: readonly string[]): string {
  return keys.length === 0 ? "(none)" : keys.join(", ");
}

export function renderInspectText(r: InspectReport): string {
  const e = r.envelope;
  const width = Math.max(...e.values.map((v) => v.name.length));
  const lines = [
    `file:         ${r.file}`,
    `object:       ${r.object.namespace !== undefined ? `${r.object.namespace}/` : ""}${r.object.name}`,
    `keyRef:       provider ${r.keyRef.provider}, key ${r.keyRef.key}, version ${r.keyRef.version}`,
    `envelope:     format ${e.format}, key ${e.key}, version ${e.keyVersion}, algorithm ${e.algorithm}`,
    `scope:        ${boundTo(e)}`,
    `binding:      ${bindingText(r.binding)}`,
    `secret:       type ${e.secretType}${e.immutable ? ", immutable" : ""}${e.secretName !== undefined ? `, name ${e.secretName}` : ""}`,
    `labels:       ${keysText(e.labelKeys)}`,
    `annotations:  ${keysText(e.annotationKeys)}`,
    `values:       ${e.values.length} (${e.totalPlaintextBytes} bytes)`,
    ...e.values.map((v) => `  ${v.name.padEnd(width)}  ${v.plaintextBytes} bytes`),
  ];
  return `${lines.join("\n")}\n`;
}

export async function runInspect(context: Context, opts: InspectOptions): Promise<number> {
  const where = opts.file === "-" ? "standard input" : opts.file;
  const report = inspectReport(where, await loadEncryptedSecret(context.io, opts.file));
  context.io.stdout.write(opts.format === "json" ? `${JSON.stringify(report, null, 2)}\n` : renderInspectText(report));
  return 0;
}

export const inspectCommand: Command = {
  name: "inspect",
  summary: "show an EncryptedSecret's metadata (decrypts nothing)",
  usage: USAGE,
  run: async (argv, context) => {
    const opts = parseInspectOptions(argv);
    if (opts === "help") {
      context.io.stdout.write(USAGE);
      return 0;
    }
    return runInspect(context, opts);
  },
};
