// Reading YAML from users without echoing it: the yaml package's error messages quote the offending
// source lines, which may hold secret values, so errors are rebuilt from the error code and position.
import { isScalar, LineCounter, parseAllDocuments, type YAMLError } from "yaml";
import { InputError } from "./errors.ts";

export interface YamlDocument {
  /** 1-based position in the stream, counting empty documents too (what an editor shows). */
  readonly index: number;
  readonly value: unknown;
}

function describe(where: string, index: number, total: number, error: YAMLError, lines: LineCounter): string {
  const at = lines.linePos(error.pos[0]);
  const position = at.line > 0 ? ` at line ${at.line}, column ${at.col}` : "";
  const doc = total > 1 ? ` (document ${index})` : "";
  return `${where}${doc}: malformed YAML: ${error.code}${position}`;
}

function toJs(where: string, doc: { toJS(options: { maxAliasCount: number }): unknown }): unknown {
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    // e.g. too many aliases (a "billion laughs" document); the message does not quote the source.
    throw new InputError(`${where}: YAML could not be loaded: ${err instanceof Error ? err.message : "unknown error"}`);
  }
}

/** Every non-empty document of `text`. Throws InputError, naming the position only, on any YAML error. */
export function parseYamlDocuments(where: string, text: string): YamlDocument[] {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { prettyErrors: false, uniqueKeys: true, strict: true, lineCounter: lines });
  const out: YamlDocument[] = [];
  docs.forEach((doc, i) => {
    const error = doc.errors[0];
    if (error !== undefined) throw new InputError(describe(where, i + 1, docs.length, error, lines));
    // An empty document (a stray "---", only comments) is not an object; skip it like kubectl does.
    if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) return;
    out.push({ index: i + 1, value: toJs(where, doc) });
  });
  return out;
}

/** Exactly one non-empty document, or an InputError saying how many there were. */
export function parseSingleDocument(where: string, text: string): unknown {
  const docs = parseYamlDocuments(where, text);
  if (docs.length === 0) throw new InputError(`${where}: empty input, expected one YAML document`);
  if (docs.length > 1) throw new InputError(`${where}: ${docs.length} YAML documents, expected exactly one (split multi-document streams first)`);
  return docs[0]?.value;
}
