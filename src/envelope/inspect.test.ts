import { describe, expect, it } from "vitest";
import { MalformedEnvelopeError } from "../errors.ts";
import { inspect } from "./inspect.ts";
import { sealWithKey } from "./seal.ts";

const DEK = Buffer.alloc(32, 0x33);
const PLAINTEXT = "unit-plaintext-inspect";

function spec(scope: "strict" | "namespace" | "cluster"): Parameters<typeof inspect>[0] {
  const sealed = sealWithKey(DEK, { scope, namespace: "team-a", name: "db", data: { b: Buffer.from(PLAINTEXT), a: Buffer.alloc(0) } });
  return {
    scope,
    envelope: { ...sealed.envelopeFields, key: "alias/app", keyVersion: "3", algorithm: "AWS-KMS-SYMMETRIC", wrappedKey: Buffer.alloc(40).toString("base64") },
    encryptedData: sealed.encryptedData,
    template: { type: "kubernetes.io/tls", immutable: true, metadata: { name: "tls", labels: { l: "1" }, annotations: { "x/y": "2" } } },
  };
}

describe("inspect", () => {
  it("describes the envelope from its clear fields only", () => {
    expect(inspect(spec("strict"))).toEqual({
      format: "v1",
      key: "alias/app",
      keyVersion: "3",
      algorithm: "AWS-KMS-SYMMETRIC",
      scope: "strict",
      namespace: "team-a",
      name: "db",
      wrappedKeyBytes: 40,
      values: [{ name: "a", plaintextBytes: 0 }, { name: "b", plaintextBytes: PLAINTEXT.length }],
      totalPlaintextBytes: PLAINTEXT.length,
      secretType: "kubernetes.io/tls",
      immutable: true,
      secretName: "tls",
      labelKeys: ["l"],
      annotationKeys: ["x/y"],
    });
  });

  it.each<["namespace" | "cluster", Record<string, string>]>([
    ["namespace", { namespace: "team-a" }],
    ["cluster", {}],
  ])("reports only the bound fields of scope %s", (scope, bound) => {
    const info = inspect(spec(scope));
    expect({ namespace: info.namespace, name: info.name }).toEqual({ namespace: undefined, name: undefined, ...bound });
  });

  it("never includes a plaintext", () => {
    expect(JSON.stringify(inspect(spec("strict")))).not.toContain(PLAINTEXT);
  });

  it("validates like parseSpec", () => {
    const s = spec("strict");
    expect(() => inspect({ ...s, envelope: { ...s.envelope, commitment: "" } })).toThrow(MalformedEnvelopeError);
  });
});
