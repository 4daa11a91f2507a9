import { describe, expect, it } from "vitest";
import type { EncryptedSecret } from "../api/v1alpha1/types.ts";
import { envelopeDigest } from "../controller/key-version.ts";
import { inventory, renderInventory } from "./inventory.ts";

function es(name: string, version: string, opts: { rewrappedTo?: string; ready?: [string, string] } = {}): EncryptedSecret {
  const envelope = { format: "v1", key: "app", keyVersion: version, algorithm: "A256GCM", wrappedKey: `w-${name}`, commitment: "c" };
  const obj: EncryptedSecret = { apiVersion: "envelope.dev/v1alpha1", kind: "EncryptedSecret", metadata: { name, namespace: "ns" }, spec: { keyRef: { provider: "p", key: "app", version: "latest" }, scope: "strict", envelope, encryptedData: { a: "x" } } };
  const [status, reason] = opts.ready ?? ["True", "Synced"];
  obj.status = { conditions: [{ type: "Ready", status: status as "True", reason, message: "m", lastTransitionTime: "t" }] };
  if (opts.rewrappedTo !== undefined) obj.status.envelope = { ...envelope, keyVersion: opts.rewrappedTo, wrappedKey: "new", replaces: envelopeDigest(envelope) };
  return obj;
}

describe("inventory", () => {
  it("counts the envelope in use per provider/key/version, numeric order, and lists stale and failing objects", () => {
    const inv = inventory([es("a", "10"), es("b", "2"), es("c", "2", { rewrappedTo: "10" }), es("d", "2", { ready: ["False", "DecryptFailed"] })]);
    expect(inv.rows).toEqual([
      { provider: "p", key: "app", version: "2", objects: 2 },
      { provider: "p", key: "app", version: "10", objects: 2 },
    ]);
    expect(inv.stale.map((s) => s.name)).toEqual(["c"]);
    expect(inv.notReady).toEqual([{ namespace: "ns", name: "d", reason: "DecryptFailed", message: "m" }]);
    expect(renderInventory(inv)).toContain("not yet in git (run envelope pull): 1\n  ns/c");
  });

  it("ignores a status envelope that replaces an older spec envelope (git has moved on)", () => {
    const obj = es("a", "3", { rewrappedTo: "4" });
    obj.spec.envelope = { ...obj.spec.envelope, wrappedKey: "pulled-from-elsewhere" };
    expect(inventory([obj]).rows).toEqual([{ provider: "p", key: "app", version: "3", objects: 1 }]);
    expect(inventory([obj]).stale).toEqual([]);
  });
});
