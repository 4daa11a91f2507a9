import { describe, expect, it } from "vitest";
import type { EncryptedSecretSpec } from "../api/v1alpha1/types.ts";
import { InvalidSpecError, MalformedEnvelopeError, UnsupportedFormatError } from "../errors.ts";
import { decodeBase64, LIMITS, parseSpec, validateSealInput } from "./format.ts";
import { sealWithKey } from "./seal.ts";
import type { SealInput } from "./types.ts";

const DEK = Buffer.alloc(32, 0x42);
const counter = (): ((n: number) => Uint8Array) => {
  let i = 0;
  return (n) => Buffer.alloc(n, ++i);
};

function validSpec(scope: "strict" | "namespace" | "cluster" = "strict"): Record<string, unknown> {
  const sealed = sealWithKey(DEK, { scope, namespace: "team-a", name: "db", data: { password: Buffer.from("unit-plaintext-1"), user: Buffer.from("unit-plaintext-2") } }, { randomBytes: counter() });
  return structuredClone({
    keyRef: { provider: "local", key: "dev", version: "latest" },
    scope,
    envelope: { ...sealed.envelopeFields, key: "dev", keyVersion: "1", algorithm: "A256GCM", wrappedKey: "AQID" },
    encryptedData: sealed.encryptedData,
    template: { type: "kubernetes.io/basic-auth", immutable: true, metadata: { name: "db-secret", labels: { a: "1" }, annotations: { "example.com/b": "2" } } },
  });
}

type Obj = Record<string, unknown>;
/** A spec as untrusted input: every level is a plain record a test may break. */
interface Loose {
  [field: string]: unknown;
  keyRef: Obj;
  envelope: Obj;
  encryptedData: Obj;
  template: Obj & { metadata: Obj & { labels: Obj; annotations: Obj } };
}
type Mutation = (spec: Loose) => void;

const loose = (): Loose => validSpec() as Loose;
/** Sets or removes a top-level field, whatever type the field would normally have. */
const set = (spec: Loose, key: string, value: unknown): void => {
  if (value === undefined) Reflect.deleteProperty(spec, key);
  else spec[key] = value;
};
const pwd = (spec: Loose): string => spec.encryptedData["password"] as string;

describe("parseSpec", () => {
  it("returns a typed copy of a valid spec, for each scope", () => {
    for (const scope of ["strict", "namespace", "cluster"] as const) {
      const input = validSpec(scope);
      expect(parseSpec(input)).toEqual(input);
    }
  });

  it("defaults a missing scope to strict, like the CRD", () => {
    const input = validSpec("strict");
    delete input["scope"];
    expect(parseSpec(input).scope).toBe("strict");
  });

  it("passes top-level fields outside the envelope format through untouched", () => {
    const input = { ...validSpec(), futureField: { x: 1 } };
    expect((parseSpec(input) as EncryptedSecretSpec & { futureField: unknown }).futureField).toEqual({ x: 1 });
  });

  it("keeps a value under the key __proto__ as a key, not as the prototype", () => {
    const input = validSpec();
    const data = JSON.parse(`{"__proto__": ${JSON.stringify((input["encryptedData"] as Record<string, string>)["password"])}}`) as Record<string, string>;
    const parsed = parseSpec({ ...input, encryptedData: data });
    expect(Object.keys(parsed.encryptedData)).toEqual(["__proto__"]);
    expect(Object.getPrototypeOf(parsed.encryptedData)).toBe(Object.prototype);
  });

  it.each<[string, unknown, new (m: string) => Error, string]>([
    ["a spec that is not an object is rejected", "spec: text", InvalidSpecError, "spec: must be an object"],
    ["a spec that is an array is rejected", [], InvalidSpecError, "spec: must be an object"],
    ["a null spec is rejected", null, InvalidSpecError, "spec: must be an object"],
  ])("%s", (_name, input, Err, message) => {
    expect(() => parseSpec(input)).toThrow(Err);
    expect(() => parseSpec(input)).toThrow(message);
  });

  it.each<[string, Mutation, new (m: string) => Error, string]>([
    ["an unknown format version is rejected before anything else", (s) => { s.envelope["format"] = "v2"; s["scope"] = "bogus"; }, UnsupportedFormatError, 'spec.envelope.format: unsupported envelope format "v2"'],
    ["a non-string format is rejected as unsupported", (s) => void (s.envelope["format"] = 1), UnsupportedFormatError, "unsupported envelope format a number"],
    ["a missing format is rejected", (s) => void delete s.envelope["format"], MalformedEnvelopeError, "spec.envelope.format: missing"],
    ["a missing envelope is rejected", (s) => set(s, "envelope", undefined), MalformedEnvelopeError, "spec.envelope: missing"],
    ["an envelope that is a string is rejected", (s) => set(s, "envelope", "v1"), MalformedEnvelopeError, "spec.envelope: must be an object"],
    ["an unknown scope is rejected", (s) => void (s["scope"] = "global"), InvalidSpecError, "spec.scope: must be one of strict, namespace, cluster"],
    ["a missing keyRef is rejected", (s) => set(s, "keyRef", undefined), InvalidSpecError, "spec.keyRef: missing"],
    ["an empty keyRef.provider is rejected", (s) => void (s.keyRef["provider"] = ""), InvalidSpecError, "spec.keyRef.provider: must not be empty"],
    ["a numeric keyRef.version is rejected", (s) => void (s.keyRef["version"] = 3), InvalidSpecError, "spec.keyRef.version: must be a string"],
    ["a missing envelope.key is rejected", (s) => void delete s.envelope["key"], MalformedEnvelopeError, "spec.envelope.key: missing"],
    ["a numeric envelope.keyVersion is rejected", (s) => void (s.envelope["keyVersion"] = 1), MalformedEnvelopeError, "spec.envelope.keyVersion: must be a string"],
    ["an empty envelope.algorithm is rejected", (s) => void (s.envelope["algorithm"] = ""), MalformedEnvelopeError, "spec.envelope.algorithm: must not be empty"],
    ["an unknown envelope field is rejected", (s) => void (s.envelope["iv"] = "AAAA"), MalformedEnvelopeError, 'spec.envelope: unknown field "iv"'],
    ["a missing commitment is rejected", (s) => void delete s.envelope["commitment"], MalformedEnvelopeError, "spec.envelope.commitment: missing"],
    ["a 31-byte commitment is rejected", (s) => void (s.envelope["commitment"] = Buffer.alloc(31).toString("base64")), MalformedEnvelopeError, "spec.envelope.commitment: decodes to 31 bytes, expected 32"],
    ["a 33-byte commitment is rejected", (s) => void (s.envelope["commitment"] = Buffer.alloc(33).toString("base64")), MalformedEnvelopeError, "spec.envelope.commitment: decodes to 33 bytes, expected 32"],
    ["an empty wrappedKey is rejected", (s) => void (s.envelope["wrappedKey"] = ""), MalformedEnvelopeError, "spec.envelope.wrappedKey: decodes to 0 bytes, expected 1 to 4096"],
    ["a wrappedKey of 4097 bytes is rejected", (s) => void (s.envelope["wrappedKey"] = Buffer.alloc(4097).toString("base64")), MalformedEnvelopeError, "spec.envelope.wrappedKey: decodes to 4097 bytes, expected 1 to 4096"],
    ["a wrappedKey text too long for 4096 bytes is rejected before decoding", (s) => void (s.envelope["wrappedKey"] = "A".repeat(5468)), MalformedEnvelopeError, "spec.envelope.wrappedKey: longer than the maximum of 4096 bytes"],
    ["strict without envelope.namespace is rejected", (s) => void delete s.envelope["namespace"], InvalidSpecError, "spec.envelope.namespace: missing"],
    ["strict without envelope.name is rejected", (s) => void delete s.envelope["name"], InvalidSpecError, "spec.envelope.name: missing"],
    ["namespace scope with envelope.name is rejected", (s) => void (s["scope"] = "namespace"), InvalidSpecError, "spec.envelope.name: must be absent for scope namespace"],
    ["cluster scope with envelope.namespace is rejected", (s) => { s["scope"] = "cluster"; delete s.envelope["name"]; }, InvalidSpecError, "spec.envelope.namespace: must be absent for scope cluster"],
    ["an envelope.namespace that is not a DNS label is rejected", (s) => void (s.envelope["namespace"] = "Team_A"), InvalidSpecError, "spec.envelope.namespace: not a valid namespace name"],
    ["an envelope.name that is not a DNS subdomain is rejected", (s) => void (s.envelope["name"] = "db/x"), InvalidSpecError, "spec.envelope.name: not a valid object name"],
    ["a missing encryptedData is rejected", (s) => set(s, "encryptedData", undefined), MalformedEnvelopeError, "spec.encryptedData: missing"],
    ["an encryptedData list is rejected", (s) => set(s, "encryptedData", ["AAAA"]), MalformedEnvelopeError, "spec.encryptedData: must be an object"],
    ["an empty encryptedData is rejected: it would authenticate nothing", (s) => set(s, "encryptedData", {}), InvalidSpecError, "spec.encryptedData: no values"],
    ["a key name with a space is rejected", (s) => void (s.encryptedData["pass word"] = pwd(s)), InvalidSpecError, 'spec.encryptedData["pass word"]: invalid key name'],
    ["a key name of 254 characters is rejected", (s) => void (s.encryptedData["k".repeat(254)] = pwd(s)), InvalidSpecError, "invalid key name"],
    ["a non-string value is rejected", (s) => void (s.encryptedData["password"] = 12), MalformedEnvelopeError, 'spec.encryptedData["password"]: must be a string'],
    ["a value with a line break is rejected", (s) => void (s.encryptedData["password"] = `${pwd(s).slice(0, 4)}\n${pwd(s).slice(4)}`), MalformedEnvelopeError, 'spec.encryptedData["password"]: not canonical standard base64'],
    ["a value in the url-safe alphabet is rejected", (s) => void (s.encryptedData["password"] = "-_-_" + pwd(s).slice(4)), MalformedEnvelopeError, "not canonical standard base64"],
    ["a value without padding is rejected", (s) => void (s.encryptedData["password"] = pwd(s).replace(/=+$/, "")), MalformedEnvelopeError, "not canonical standard base64"],
    ["a value of 27 bytes (shorter than nonce and tag) is rejected", (s) => void (s.encryptedData["password"] = Buffer.alloc(27).toString("base64")), MalformedEnvelopeError, 'spec.encryptedData["password"]: decodes to 27 bytes'],
    ["a non-boolean template.immutable is rejected", (s) => void (s.template["immutable"] = "true"), InvalidSpecError, "spec.template.immutable: must be a boolean"],
    ["an unknown template field is rejected, not ignored", (s) => void (s.template["data"] = {}), InvalidSpecError, 'spec.template: unknown field "data"'],
    ["an unknown template.metadata field is rejected", (s) => void (s.template.metadata["namespace"] = "x"), InvalidSpecError, 'spec.template.metadata: unknown field "namespace"'],
    ["a non-string label value is rejected", (s) => void (s.template.metadata.labels["a"] = 1), InvalidSpecError, 'spec.template.metadata.labels["a"]: must be a string'],
    ["an annotation with a lone surrogate is rejected", (s) => void (s.template.metadata.annotations["x"] = "\ud800"), InvalidSpecError, 'spec.template.metadata.annotations["x"]: not valid Unicode'],
    ["an invalid Secret type is rejected", (s) => void (s.template["type"] = "my type"), InvalidSpecError, "spec.template.type: invalid Secret type"],
    ["an invalid template Secret name is rejected", (s) => void (s.template.metadata["name"] = "DB"), InvalidSpecError, "spec.template.metadata.name: not a valid object name"],
    ["a null template is rejected", (s) => set(s, "template", null), InvalidSpecError, "spec.template: must be an object"],
  ])("%s", (_name, mutate, Err, message) => {
    const spec = loose();
    mutate(spec);
    expect(() => parseSpec(spec)).toThrow(Err);
    expect(() => parseSpec(spec)).toThrow(message);
  });

  it("accepts exactly 1000 values and rejects 1001 before decoding any of them", () => {
    const spec = loose();
    const value = pwd(spec);
    spec.encryptedData = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`k${i}`, value]));
    expect(parseSpec(spec).encryptedData["k999"]).toBe(value);
    spec.encryptedData = Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`k${i}`, "not base64!"]));
    expect(() => parseSpec(spec)).toThrow("spec.encryptedData: 1001 keys, at most 1000 allowed");
  });

  it("accepts values implying exactly 1 MiB of plaintext and rejects one byte more", () => {
    const spec = loose();
    const half = LIMITS.maxTotalBytes / 2;
    spec.encryptedData = { a: Buffer.alloc(half + 28).toString("base64"), b: Buffer.alloc(half + 28).toString("base64") };
    expect(() => parseSpec(spec)).not.toThrow();
    spec.encryptedData["b"] = Buffer.alloc(half + 29).toString("base64");
    expect(() => parseSpec(spec)).toThrow(InvalidSpecError);
    expect(() => parseSpec(spec)).toThrow("spec.encryptedData: 1048577 bytes of data, above the Kubernetes Secret limit of 1048576 bytes");
  });

  it("names a key but never a value in its messages", () => {
    const spec = loose();
    spec.encryptedData["password"] = "c2VjcmV0LXZhbHVlLXRoYXQtaXMtbm90LWJhc2U2NA=x";
    expect(() => parseSpec(spec)).toThrow(/^spec\.encryptedData\["password"\]: not canonical standard base64$/);
  });

  it("cuts very long key names in messages", () => {
    const spec = loose();
    spec.encryptedData[" ".repeat(5000)] = "AAAA";
    let message = "";
    try {
      parseSpec(spec);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message.length).toBeLessThan(200);
  });
});

describe("decodeBase64", () => {
  it.each([
    ["accepts canonical padded base64", "AQID", 3],
    ["accepts two padding characters", "AQ==", 1],
    ["accepts one padding character", "AQI=", 2],
  ])("%s", (_name, text, length) => {
    expect(decodeBase64("f", text, 0, 10).length).toBe(length);
  });

  it.each([
    ["rejects a trailing newline", "AQID\n"],
    ["rejects a space inside", "AQ ID"],
    ["rejects the url-safe alphabet", "-_8="],
    ["rejects missing padding", "AQ"],
    ["rejects extra padding", "AQID===="],
    ["rejects padding in the middle", "AQ==AQID"],
    ["rejects non-zero pad bits", "AR=="],
    ["rejects characters outside the alphabet", "AQI*"],
  ])("%s", (_name, text) => {
    expect(() => decodeBase64("f", text, 0, 10)).toThrow(MalformedEnvelopeError);
    expect(() => decodeBase64("f", text, 0, 10)).toThrow("f: not canonical standard base64");
  });
});

describe("validateSealInput", () => {
  const base: SealInput = { scope: "strict", namespace: "team-a", name: "db", data: { a: Buffer.from("x") } };

  it.each<[string, Partial<SealInput> & Record<string, unknown>, string]>([
    ["an unknown scope is rejected", { scope: "global" as never }, "scope: must be one of strict, namespace, cluster"],
    ["strict without a namespace is rejected", { namespace: undefined }, "namespace: missing"],
    ["strict without a name is rejected", { name: undefined }, "name: missing"],
    ["namespace scope without a namespace is rejected", { scope: "namespace", namespace: "" }, "namespace: must not be empty"],
    ["an invalid namespace is rejected", { namespace: "Team A" }, "namespace: not a valid namespace name"],
    ["empty data is rejected", { data: {} }, "data: no values; an envelope with no values would authenticate nothing"],
    ["an empty Map is rejected", { data: new Map() }, "data: no values"],
    ["an invalid key name is rejected", { data: { "a b": Buffer.from("x") } }, 'data["a b"]: invalid key name'],
    ["a string value is rejected", { data: { a: "plaintext" as never } }, 'data["a"]: must be bytes'],
    ["more than 1000 keys are rejected", { data: Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`k${i}`, Buffer.alloc(0)])) }, "data: 1001 keys, at most 1000 allowed"],
    ["more than 1 MiB of plaintext is rejected", { data: { a: Buffer.alloc(LIMITS.maxTotalBytes), b: Buffer.alloc(1) } }, "data: 1048577 bytes of data, above the Kubernetes Secret limit"],
    ["a template with an unknown field is rejected", { template: { kind: "Secret" } as never }, 'template: unknown field "kind"'],
  ])("%s", (_name, change, message) => {
    const input: SealInput = { ...base, ...change };
    expect(() => validateSealInput(input)).toThrow(InvalidSpecError);
    expect(() => validateSealInput(input)).toThrow(message);
  });

  it.each<[string, Partial<SealInput>, { namespace: string; name: string }]>([
    ["strict binds namespace and name", {}, { namespace: "team-a", name: "db" }],
    ["namespace scope binds the namespace only", { scope: "namespace" }, { namespace: "team-a", name: "" }],
    ["cluster scope binds neither, and ignores what it is given", { scope: "cluster", namespace: "Not Checked" }, { namespace: "", name: "" }],
    ["namespace scope ignores an invalid name", { scope: "namespace", name: "Not/Checked" }, { namespace: "team-a", name: "" }],
  ])("%s", (_name, change, expected) => {
    const valid = validateSealInput({ ...base, ...change });
    expect({ namespace: valid.namespace, name: valid.name }).toEqual(expected);
  });

  it("accepts exactly 1 MiB of plaintext in total", () => {
    expect(() => validateSealInput({ ...base, data: { a: Buffer.alloc(LIMITS.maxTotalBytes - 1), b: Buffer.alloc(1) } })).not.toThrow();
  });

  it("orders entries by UTF-8 bytes whatever the insertion order", () => {
    const valid = validateSealInput({ ...base, data: { b: Buffer.alloc(0), B: Buffer.alloc(0), "-": Buffer.alloc(0), a: Buffer.alloc(0) } });
    expect(valid.entries.map(([k]) => k)).toEqual(["-", "B", "a", "b"]);
  });
});
