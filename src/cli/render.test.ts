import { describe, expect, it } from "vitest";
import type { EncryptedSecretSpec } from "../api/v1alpha1/types.ts";
import { parseSpec } from "../envelope/index.ts";
import { parseSingleDocument } from "./yaml-input.ts";
import { renderEncryptedSecret } from "./render.ts";
import { renderPlaintextSecret } from "./unsafe-plaintext.ts";
import { parseSecretManifest } from "./manifest.ts";

const B64_32 = Buffer.alloc(32, 7).toString("base64");
const VALUE = Buffer.alloc(30, 1).toString("base64");

const spec: EncryptedSecretSpec = {
  template: { metadata: { annotations: { z: "1", a: "2" }, labels: { "10": "x", "2": "y", b: "z" } }, immutable: true, type: "Opaque" },
  encryptedData: { zeta: VALUE, "10": VALUE, "2": VALUE, alpha: VALUE },
  envelope: { name: "db", namespace: "prod", commitment: B64_32, wrappedKey: B64_32, algorithm: "A256GCM", keyVersion: "3", key: "app", format: "v1" },
  scope: "strict",
  keyRef: { version: "latest", key: "app", provider: "dev" },
};

describe("EncryptedSecret YAML out", () => {
  const text = renderEncryptedSecret({ metadata: { namespace: "prod", name: "db" }, spec });

  it("has a fixed field order and sorted maps, whatever the input order", () => {
    expect(text).toBe(`apiVersion: envelope.dev/v1alpha1
kind: EncryptedSecret
metadata:
  name: db
  namespace: prod
spec:
  keyRef:
    provider: dev
    key: app
    version: latest
  scope: strict
  envelope:
    format: v1
    key: app
    keyVersion: "3"
    algorithm: A256GCM
    wrappedKey: ${B64_32}
    commitment: ${B64_32}
    namespace: prod
    name: db
  encryptedData:
    "10": ${VALUE}
    "2": ${VALUE}
    alpha: ${VALUE}
    zeta: ${VALUE}
  template:
    type: Opaque
    immutable: true
    metadata:
      labels:
        "10": x
        "2": y
        b: z
      annotations:
        a: "2"
        z: "1"
`);
  });

  it("never folds long values", () => {
    const long = Buffer.alloc(3000, 9).toString("base64");
    const out = renderEncryptedSecret({ metadata: { name: "db" }, spec: { ...spec, encryptedData: { big: long } } });
    expect(out).toContain(`    big: ${long}\n`);
  });

  it("reads back to the same spec", () => {
    const doc = parseSingleDocument("out", text) as { spec: unknown };
    expect(parseSpec(doc.spec)).toEqual(spec);
  });
});

describe("plaintext Secret YAML out (open, edit)", () => {
  const tricky: [string, Buffer][] = [
    ["multiline", Buffer.from("line 1\nline 2\n")],
    ["trailing-space", Buffer.from("value ")],
    ["leading-space", Buffer.from("  indented")],
    ["yaml-looking", Buffer.from("- not: a list")],
    ["number", Buffer.from("0123")],
    ["boolean", Buffer.from("yes")],
    ["empty", Buffer.alloc(0)],
    ["unicode", Buffer.from("pässwörd 🔑")],
    ["crlf", Buffer.from("a\r\nb")],
    ["nul", Buffer.from([0x61, 0x00, 0x62])],
    ["binary", Buffer.from([0xff, 0xfe, 0x00, 0x80])],
  ];

  it("round-trips every value byte for byte (text as stringData, the rest as base64 data)", () => {
    const text = renderPlaintextSecret({ name: "db", namespace: "prod", type: "Opaque", labels: { a: "b" }, annotations: {}, data: new Map(tricky) });
    const back = parseSecretManifest("back", parseSingleDocument("back", text), () => undefined);
    for (const [key, value] of tricky) expect(back.data.get(key), key).toEqual(value);
    expect(back).toMatchObject({ name: "db", namespace: "prod", type: "Opaque", labels: { a: "b" } });
    expect(text).toContain("stringData:");
    expect(text).toMatch(/data:\n {2}binary: \/\/4AgA==\n {2}crlf: /);
  });
});
