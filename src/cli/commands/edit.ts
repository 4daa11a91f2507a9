// `envelope edit FILE`: decrypt (needs key access), let the user edit the Secret in $VISUAL/$EDITOR,
// and re-seal with a FRESH data key, the same keyRef, scope and binding. Unchanged content leaves
// FILE byte-identical; a failed editor or an invalid edit leaves FILE untouched. The plaintext temp
// file is zeroed and removed on every path (unsafe-temp-file.ts).
import { stat } from "node:fs/promises";
import { quote } from "../../envelope/fields.ts";
import { loadConfig, type CliConfig } from "../config.ts";
import type { Command, Context } from "../context.ts";
import { editorCommand } from "../editor.ts";
import { loadEncryptedSecret, type EncryptedSecretFile } from "../encrypted-secret.ts";
import { EditorError, InputError, UsageError } from "../errors.ts";
import { decodeUtf8, resolvePath, writeFileAtomic } from "../io.ts";
import { parseSecretManifest, zeroContent, type SecretContent } from "../manifest.ts";
import { HELP_OPTION, parseCommandArgs } from "../options.ts";
import { sealWithProvider } from "../sealing.ts";
import { renderPlaintextSecret } from "../unsafe-plaintext.ts";
import { createPrivateTempFile, type PrivateTempFile } from "../unsafe-temp-file.ts";
import { parseSingleDocument } from "../yaml-input.ts";
import { openContent } from "./open.ts";

const OPTIONS = { ...HELP_OPTION, namespace: { type: "string", short: "n" }, config: { type: "string" } } as const;

const USAGE = `Usage: envelope edit FILE [flags]

Decrypts FILE (needs decrypt access to its key), opens the Secret in $VISUAL, else $EDITOR, else vi,
and re-seals it with a fresh data key and the same keyRef, scope and binding. Values, type, labels
and annotations can be edited; name and namespace cannot (they are bound into the ciphertext).
Unchanged content leaves FILE byte-identical. The decrypted copy lives in a private temp directory
under $TMPDIR (mode 0700, file 0600) and is overwritten with zeros and removed afterwards, also when
the editor fails. FILE is rewritten in canonical form (comments and unknown fields are not kept).

Flags:
  -n, --namespace NS  namespace of the object when the file has no metadata.namespace
      --config FILE   project config (default: .envelope.yaml in . or above)
  -h, --help          this help
`;

interface EditOptions {
  readonly file: string;
  readonly namespace: string | undefined;
  readonly config: string | undefined;
}

export function parseEditOptions(argv: readonly string[]): EditOptions | "help" {
  const { values, positionals } = parseCommandArgs("edit", OPTIONS, argv);
  if (values.help === true) return "help";
  if (positionals.length !== 1 || positionals[0] === "-") throw new UsageError("edit: expected exactly one FILE (stdin cannot be edited in place)");
  return { file: positionals[0] ?? "", namespace: values.namespace, config: values.config };
}

function sameRecord(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}

function sameData(a: ReadonlyMap<string, Buffer>, b: ReadonlyMap<string, Buffer>): boolean {
  return a.size === b.size && [...a].every(([k, v]) => b.get(k)?.equals(v) === true);
}

/** Equal in everything the envelope seals: values, type, immutability, labels, annotations. */
export function sameContent(a: SecretContent, b: SecretContent): boolean {
  return a.type === b.type && a.immutable === b.immutable && sameRecord(a.labels, b.labels) && sameRecord(a.annotations, b.annotations) && sameData(a.data, b.data);
}

function checkIdentity(before: SecretContent, after: SecretContent): void {
  for (const field of ["name", "namespace"] as const) {
    if (before[field] !== after[field]) {
      throw new InputError(`edited Secret: metadata.${field} cannot change (it is bound into the ciphertext; was ${quote(before[field] ?? "")}); seal a new object instead`);
    }
  }
}

async function runEditorOn(context: Context, temp: PrivateTempFile, file: string): Promise<void> {
  const command = editorCommand(context.io.env);
  let status: number;
  try {
    status = await context.runEditor(command, temp.path);
  } catch (err) {
    throw new EditorError(`could not start the editor (${quote(command)}); ${file} left unchanged`, { cause: err });
  }
  if (status !== 0) throw new EditorError(`the editor exited with status ${status}; ${file} left unchanged`);
}

async function readEdited(context: Context, temp: PrivateTempFile): Promise<SecretContent> {
  const bytes = await temp.read();
  try {
    return parseSecretManifest("edited Secret", parseSingleDocument("edited Secret", decodeUtf8("edited Secret", bytes)), context.warn);
  } finally {
    bytes.fill(0);
  }
}

interface Opened {
  readonly file: EncryptedSecretFile;
  readonly config: CliConfig | undefined;
  readonly content: SecretContent;
}

async function reseal(context: Context, opts: EditOptions, { file, config }: Opened, edited: SecretContent): Promise<void> {
  const request = {
    content: edited,
    scope: file.spec.scope,
    metadata: file.metadata,
    bindNamespace: opts.namespace,
    keyRef: file.spec.keyRef,
    secretName: file.spec.template?.metadata?.name,
  };
  const yaml = await sealWithProvider(context, config, request);
  const path = resolvePath(context.io, opts.file);
  await writeFileAtomic(path, yaml, (await stat(path)).mode & 0o777);
}

async function editOpened(context: Context, opts: EditOptions, opened: Opened): Promise<number> {
  const original = opened.content;
  const name = original.name ?? opened.file.metadata.name;
  const temp = await createPrivateTempFile(context.io.tmpdir, "secret.yaml", renderPlaintextSecret({ ...original, name }));
  try {
    await runEditorOn(context, temp, opts.file);
    const edited = await readEdited(context, temp);
    try {
      checkIdentity(original, edited);
      if (sameContent(original, edited)) {
        context.io.stderr.write(`envelope: no changes; ${opts.file} left unchanged\n`);
        return 0;
      }
      await reseal(context, opts, opened, edited);
      context.io.stderr.write(`envelope: ${opts.file} re-sealed with a fresh data key\n`);
      return 0;
    } finally {
      zeroContent(edited);
    }
  } finally {
    await temp.dispose();
  }
}

export async function runEdit(context: Context, opts: EditOptions): Promise<number> {
  const file = await loadEncryptedSecret(context.io, opts.file);
  const config = await loadConfig(context.io, opts.config);
  const content = await openContent(context, opts.file, file, config, opts.namespace);
  try {
    return await editOpened(context, opts, { file, config, content });
  } finally {
    zeroContent(content);
  }
}

export const editCommand: Command = {
  name: "edit",
  summary: "decrypt, edit in $EDITOR and re-seal with a fresh data key (needs key access)",
  usage: USAGE,
  run: async (argv, context) => {
    const opts = parseEditOptions(argv);
    if (opts === "help") {
      context.io.stdout.write(USAGE);
      return 0;
    }
    return runEdit(context, opts);
  },
};
