// DANGER: renders decrypted values. The only module that turns plaintext into text for a human:
// `open` prints it to stdout, `edit` writes it to a private temp file. Keep its imports reviewable.
// Values that are UTF-8 text without control characters go to stringData (readable, editable);
// anything else to data, base64, so every byte survives the round trip through an editor.
import type { SecretContent } from "./manifest.ts";
import { sortedMap, toYaml, type YamlMap } from "./render.ts";

export interface PlaintextSecret extends SecretContent {
  readonly name: string;
}

/** C0 controls other than tab and newline, DEL, C1 controls, line/paragraph separators, BOM. */
function hasControl(text: string): boolean {
  for (const ch of text) {
    const c = ch.codePointAt(0) ?? 0;
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a) || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029 || c === 0xfeff) return true;
  }
  return false;
}

function asText(value: Buffer): string | undefined {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(value);
  } catch {
    return undefined;
  }
  return hasControl(text) ? undefined : text;
}

/** A Secret manifest holding the values in clear. */
export function renderPlaintextSecret(secret: PlaintextSecret): string {
  const data: Record<string, string> = {};
  const stringData: Record<string, string> = {};
  for (const [key, value] of secret.data) {
    const text = asText(value);
    if (text === undefined) data[key] = value.toString("base64");
    else stringData[key] = text;
  }
  const metadata: YamlMap = new Map([["name", secret.name]]);
  if (secret.namespace !== undefined) metadata.set("namespace", secret.namespace);
  if (Object.keys(secret.labels).length > 0) metadata.set("labels", sortedMap(secret.labels));
  if (Object.keys(secret.annotations).length > 0) metadata.set("annotations", sortedMap(secret.annotations));
  const doc: YamlMap = new Map<string, string | boolean | YamlMap>([
    ["apiVersion", "v1"],
    ["kind", "Secret"],
    ["metadata", metadata],
    ["type", secret.type],
  ]);
  if (secret.immutable !== undefined) doc.set("immutable", secret.immutable);
  if (Object.keys(data).length > 0) doc.set("data", sortedMap(data));
  if (Object.keys(stringData).length > 0) doc.set("stringData", sortedMap(stringData));
  return toYaml(doc);
}
