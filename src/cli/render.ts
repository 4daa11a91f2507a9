// EncryptedSecret YAML out: deterministic and diff-friendly. Fields in a fixed order (apiVersion,
// kind, metadata, spec{keyRef, scope, envelope, encryptedData, template}), map keys sorted by UTF-8
// bytes, no line folding, nothing carried over from the input's formatting. Maps are built as JS
// Maps because plain objects put integer-like keys ("2", "10") first whatever the insertion order.
import { stringify } from "yaml";
import { API_VERSION, KIND_ENCRYPTED_SECRET } from "../api/v1alpha1/constants.ts";
import type { EncryptedSecretSpec, EnvelopeSpec, SecretTemplate } from "../api/v1alpha1/types.ts";
import { compareUtf8 } from "../envelope/encoding.ts";

export interface OutputMetadata {
  readonly name: string;
  readonly namespace?: string | undefined;
  readonly labels?: Readonly<Record<string, string>> | undefined;
  readonly annotations?: Readonly<Record<string, string>> | undefined;
}

export interface EncryptedSecretDocument {
  readonly metadata: OutputMetadata;
  readonly spec: EncryptedSecretSpec;
}

export type YamlNode = string | boolean | YamlMap;
export type YamlMap = Map<string, YamlNode>;

/** A map with its keys in UTF-8 byte order. */
export function sortedMap(record: Readonly<Record<string, string>>): YamlMap {
  return new Map(Object.keys(record).sort(compareUtf8).map((k) => [k, record[k] ?? ""]));
}

/** Only the entries whose value is defined (and, for maps, non-empty), in the given order. */
function ordered(entries: readonly (readonly [string, YamlNode | undefined])[]): YamlMap {
  const out: YamlMap = new Map();
  for (const [key, value] of entries) {
    if (value === undefined || (value instanceof Map && value.size === 0)) continue;
    out.set(key, value);
  }
  return out;
}

function optionalMap(record: Readonly<Record<string, string>> | undefined): YamlMap | undefined {
  return record === undefined ? undefined : sortedMap(record);
}

function metadataNode(m: OutputMetadata): YamlMap {
  return ordered([["name", m.name], ["namespace", m.namespace], ["labels", optionalMap(m.labels)], ["annotations", optionalMap(m.annotations)]]);
}

function envelopeNode(e: EnvelopeSpec): YamlMap {
  return ordered([
    ["format", e.format],
    ["key", e.key],
    ["keyVersion", e.keyVersion],
    ["algorithm", e.algorithm],
    ["wrappedKey", e.wrappedKey],
    ["commitment", e.commitment],
    ["namespace", e.namespace],
    ["name", e.name],
  ]);
}

function templateNode(t: SecretTemplate | undefined): YamlMap {
  const metadata = ordered([["name", t?.metadata?.name], ["labels", optionalMap(t?.metadata?.labels)], ["annotations", optionalMap(t?.metadata?.annotations)]]);
  // The type is always written (default Opaque): what the Secret will be is visible in review.
  return ordered([["type", t?.type ?? "Opaque"], ["immutable", t?.immutable], ["metadata", metadata]]);
}

function specNode(s: EncryptedSecretSpec): YamlMap {
  return ordered([
    ["keyRef", ordered([["provider", s.keyRef.provider], ["key", s.keyRef.key], ["version", s.keyRef.version]])],
    ["scope", s.scope],
    ["envelope", envelopeNode(s.envelope)],
    ["encryptedData", sortedMap(s.encryptedData)],
    ["template", templateNode(s.template)],
  ]);
}

/** Deterministic YAML text for a YAML tree of Maps, strings and booleans. */
export function toYaml(node: YamlMap): string {
  return stringify(node, { lineWidth: 0, minContentWidth: 0 });
}

export function renderEncryptedSecret(doc: EncryptedSecretDocument): string {
  return toYaml(ordered([["apiVersion", API_VERSION], ["kind", KIND_ENCRYPTED_SECRET], ["metadata", metadataNode(doc.metadata)], ["spec", specNode(doc.spec)]]));
}
