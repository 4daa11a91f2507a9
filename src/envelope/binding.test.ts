import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { EnvelopeSpec, Scope, SecretTemplate } from "../api/v1alpha1/types.ts";
import { BindingMismatchError, MalformedEnvelopeError } from "../errors.ts";
import { aadContext, bindingFor, buildAad, checkEnvelopeBinding, keySetDigest, templateDigest } from "./binding.ts";
import { compareUtf8, lengthPrefixed, u32 } from "./encoding.ts";

describe("bindingFor", () => {
  it.each<[string, Scope, { namespace: string; name: string }]>([
    ["strict binds namespace and name", "strict", { namespace: "ns", name: "n" }],
    ["namespace binds the namespace and leaves the name empty", "namespace", { namespace: "ns", name: "" }],
    ["cluster leaves both empty", "cluster", { namespace: "", name: "" }],
  ])("%s", (_name, scope, expected) => {
    expect(bindingFor(scope, "ns", "n")).toEqual({ scope, ...expected });
  });
});

describe("checkEnvelopeBinding", () => {
  const sealed: Pick<EnvelopeSpec, "namespace" | "name"> = { namespace: "prod", name: "db" };

  it.each<[string, Scope, { namespace: string; name: string }]>([
    ["strict accepts the object it was sealed for", "strict", { namespace: "prod", name: "db" }],
    ["namespace scope accepts any name in its namespace", "namespace", { namespace: "prod", name: "other" }],
    ["cluster scope accepts any object", "cluster", { namespace: "dev", name: "other" }],
  ])("%s", (_name, scope, target) => {
    const envelope = scope === "cluster" ? {} : scope === "namespace" ? { namespace: "prod" } : sealed;
    expect(() => checkEnvelopeBinding(scope, envelope, target)).not.toThrow();
  });

  it.each<[string, Scope, { namespace: string; name: string }, string]>([
    ["strict rejects another namespace, naming both", "strict", { namespace: "dev", name: "db" }, 'envelope sealed for namespace "prod" but the object is in namespace "dev"'],
    ["strict rejects another name, naming both", "strict", { namespace: "prod", name: "db2" }, 'envelope sealed for name "db" but the object is named "db2"'],
    ["strict reports namespace and name together", "strict", { namespace: "dev", name: "db2" }, 'namespace "dev"; sealed for name "db" but the object is named "db2"'],
    ["namespace scope rejects another namespace", "namespace", { namespace: "dev", name: "db" }, 'sealed for namespace "prod" but the object is in namespace "dev"'],
  ])("%s", (_name, scope, target, message) => {
    expect(() => checkEnvelopeBinding(scope, sealed, target)).toThrow(BindingMismatchError);
    expect(() => checkEnvelopeBinding(scope, sealed, target)).toThrow(message);
  });

  it("treats a strict envelope without a recorded name as malformed, not as a match", () => {
    expect(() => checkEnvelopeBinding("strict", { namespace: "prod" }, { namespace: "prod", name: "db" })).toThrow(MalformedEnvelopeError);
  });
});

describe("canonical encoding", () => {
  it("writes lengths as uint32 big-endian", () => {
    expect(u32(0x01020304).toString("hex")).toBe("01020304");
    expect(lengthPrefixed("ab").toString("hex")).toBe("000000026162");
    expect(lengthPrefixed("é").toString("hex")).toBe("00000002c3a9");
  });

  it("sorts by UTF-8 bytes, not by UTF-16 code units", () => {
    // U+FF61 is one UTF-16 unit above the surrogate of U+1F600, but its UTF-8 encoding sorts first.
    const names = ["\u{1F600}", "\uFF61", "a", "B"];
    expect([...names].sort()).toEqual(["B", "a", "\u{1F600}", "\uFF61"]);
    expect([...names].sort(compareUtf8)).toEqual(["B", "a", "\uFF61", "\u{1F600}"]);
  });

  it("sorts a prefix before the longer string", () => {
    expect(["ab", "a"].sort(compareUtf8)).toEqual(["a", "ab"]);
  });
});

describe("templateDigest", () => {
  const sha = (...parts: Buffer[]): string => createHash("sha256").update(Buffer.concat(parts)).digest("hex");

  it("hashes the documented encoding of the default template", () => {
    const expected = sha(lengthPrefixed("Opaque"), lengthPrefixed("false"), lengthPrefixed(""), u32(0), u32(0));
    expect(templateDigest(undefined).toString("hex")).toBe(expected);
  });

  it("hashes labels and annotations as a count and sorted pairs", () => {
    const template: SecretTemplate = { type: "t", immutable: true, metadata: { name: "s", labels: { b: "2", a: "1" }, annotations: { z: "" } } };
    const expected = sha(
      lengthPrefixed("t"), lengthPrefixed("true"), lengthPrefixed("s"),
      u32(2), lengthPrefixed("a"), lengthPrefixed("1"), lengthPrefixed("b"), lengthPrefixed("2"),
      u32(1), lengthPrefixed("z"), lengthPrefixed(""),
    );
    expect(templateDigest(template).toString("hex")).toBe(expected);
  });

  it.each<[string, SecretTemplate | undefined]>([
    ["an empty template", {}],
    ["an explicit Opaque type", { type: "Opaque" }],
    ["an explicit mutable flag", { immutable: false }],
    ["empty label and annotation maps", { metadata: { labels: {}, annotations: {} } }],
  ])("treats %s like no template (defaults are normalized)", (_name, template) => {
    expect(templateDigest(template)).toEqual(templateDigest(undefined));
  });

  it.each<[string, SecretTemplate]>([
    ["another type", { type: "kubernetes.io/tls" }],
    ["immutable", { immutable: true }],
    ["a Secret name", { metadata: { name: "x" } }],
    ["a label", { metadata: { labels: { a: "" } } }],
    ["an annotation", { metadata: { annotations: { a: "" } } }],
    ["the same pair as a label instead of an annotation", { metadata: { annotations: { a: "1" } } }],
  ])("changes with %s", (_name, template) => {
    expect(templateDigest(template)).not.toEqual(templateDigest(undefined));
    expect(templateDigest(template)).not.toEqual(templateDigest({ metadata: { labels: { a: "1" } } }));
  });

  it("does not depend on the order labels were written in", () => {
    expect(templateDigest({ metadata: { labels: { a: "1", b: "2" } } })).toEqual(templateDigest({ metadata: { labels: { b: "2", a: "1" } } }));
  });

  it("cannot be shifted: moving a boundary between key and value changes it", () => {
    expect(templateDigest({ metadata: { labels: { ab: "c" } } })).not.toEqual(templateDigest({ metadata: { labels: { a: "bc" } } }));
  });
});

describe("keySetDigest", () => {
  it("hashes the count and the sorted, length-prefixed names", () => {
    const expected = createHash("sha256").update(Buffer.concat([u32(2), lengthPrefixed("a"), lengthPrefixed("b")])).digest();
    expect(keySetDigest(["b", "a"])).toEqual(expected);
  });

  it.each([
    ["a removed name", ["a"]],
    ["an added name", ["a", "b", "c"]],
    ["a renamed key", ["a", "bb"]],
  ])("changes with %s", (_name, names) => {
    expect(keySetDigest(names)).not.toEqual(keySetDigest(["a", "b"]));
  });
});

describe("buildAad", () => {
  it("lays out domain, kind, scope, namespace, name, digests and key name, each length-prefixed", () => {
    const binding = bindingFor("strict", "ns", "n");
    const aad = buildAad(aadContext(binding, undefined, ["k"]), "k");
    const expected = Buffer.concat([
      lengthPrefixed("envelope.dev/v1"),
      lengthPrefixed("envelope.dev/EncryptedSecret"),
      lengthPrefixed("strict"),
      lengthPrefixed("ns"),
      lengthPrefixed("n"),
      lengthPrefixed(templateDigest(undefined)),
      lengthPrefixed(keySetDigest(["k"])),
      lengthPrefixed("k"),
    ]);
    expect(aad.toString("hex")).toBe(expected.toString("hex"));
    expect(aad.subarray(0, 19).toString("hex")).toBe(`0000000f${Buffer.from("envelope.dev/v1").toString("hex")}`);
  });

  it.each<[string, Scope, string, string]>([
    ["another namespace", "strict", "ns2", "n"],
    ["another name", "strict", "ns", "n2"],
    ["another scope", "namespace", "ns", "n"],
  ])("differs for %s", (_name, scope, namespace, name) => {
    const original = buildAad(aadContext(bindingFor("strict", "ns", "n"), undefined, ["k"]), "k");
    expect(buildAad(aadContext(bindingFor(scope, namespace, name), undefined, ["k"]), "k")).not.toEqual(original);
  });

  it("differs per key name within one envelope", () => {
    const context = aadContext(bindingFor("cluster", "", ""), undefined, ["a", "b"]);
    expect(buildAad(context, "a")).not.toEqual(buildAad(context, "b"));
  });
});
