// Rewrites the envelope (and optionally keyRef.version) of EncryptedSecrets inside YAML files,
// leaving everything else — other documents, comments, key order, encryptedData — as the yaml
// library preserves it. Shared by `envelope rewrap` and `envelope pull`. Files are replaced
// atomically, and only when something changed, so both commands are idempotent.
import { stat } from "node:fs/promises";
import { parseAllDocuments, type Document } from "yaml";
import type { EnvelopeSpec } from "../api/v1alpha1/types.ts";
import type { Context } from "./context.ts";
import { isEncryptedSecretObject, parseEncryptedSecret, type EncryptedSecretFile } from "./encrypted-secret.ts";
import { InputError } from "./errors.ts";
import { collectYamlFiles } from "./files.ts";
import { decodeUtf8, readInput, writeFileAtomic } from "./io.ts";

export interface EnvelopeUpdate {
  readonly envelope: EnvelopeSpec;
  /** New spec.keyRef.version, when the command changes the requested version too. */
  readonly keyVersion?: string;
}

/** Decides the update for one object; undefined leaves it as it is. `where` names it for messages. */
export type Updater = (file: EncryptedSecretFile, where: string) => Promise<EnvelopeUpdate | undefined>;

export interface RewriteTally {
  changed: number;
  unchanged: number;
}

function apply(doc: Document, update: EnvelopeUpdate): void {
  const e = update.envelope;
  // Field order as `envelope seal` writes it, so a pulled or rewrapped file diffs only where it changed.
  const ordered: Record<string, string> = { format: e.format, key: e.key, keyVersion: e.keyVersion, algorithm: e.algorithm, wrappedKey: e.wrappedKey, commitment: e.commitment };
  if (e.namespace !== undefined) ordered.namespace = e.namespace;
  if (e.name !== undefined) ordered.name = e.name;
  doc.setIn(["spec", "envelope"], doc.createNode(ordered));
  if (update.keyVersion !== undefined) doc.setIn(["spec", "keyRef", "version"], update.keyVersion);
}

async function rewriteFile(context: Context, full: string, shown: string, update: Updater, tally: RewriteTally): Promise<void> {
  const text = decodeUtf8(shown, await readInput(context.io, full));
  const docs = parseAllDocuments(text, { uniqueKeys: true, strict: true });
  let changed = false;
  for (const [i, doc] of docs.entries()) {
    if (doc.errors.length > 0) throw new InputError(`${shown}: document ${i + 1} is not valid YAML`);
    const value: unknown = doc.toJS();
    if (!isEncryptedSecretObject(value)) continue;
    const where = docs.length > 1 ? `${shown}#${i + 1}` : shown;
    const result = await update(parseEncryptedSecret(value), where);
    if (result === undefined) {
      tally.unchanged++;
      continue;
    }
    apply(doc, result);
    tally.changed++;
    changed = true;
  }
  if (!changed) return;
  const mode = (await stat(full)).mode & 0o777;
  await writeFileAtomic(full, docs.map((d) => d.toString()).join(""), mode);
}

export async function rewriteEnvelopes(context: Context, command: string, paths: readonly string[], update: Updater): Promise<RewriteTally> {
  const tally: RewriteTally = { changed: 0, unchanged: 0 };
  for (const file of await collectYamlFiles(context, command, paths, false)) await rewriteFile(context, file.full, file.shown, update, tally);
  return tally;
}
