// Local-backend specifics beyond the shared contract (test/unit/local-backend.test.ts): what the AAD
// covers, numeric version order, and the two key-set forms (Secret data, key file).
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { LocalBackend, localWrapAad } from "./local.ts";
import { keySetFromFile, keySetFromSecretData, secretDataFromKeySet, serializeKeyFile, withNewVersion, zeroKeySet, type LocalKeySet } from "./key-set.ts";
import { addVersion, generateLocalKeyFile } from "./key-file.ts";
import { InvalidSpecError, KeyMismatchError } from "../../errors.ts";
import type { KeyBinding } from "../types.ts";

const binding: KeyBinding = { scope: "strict", namespace: "app", name: "db" };
const set = (): LocalKeySet => keySetFromSecretData("test", { "app.1": randomBytes(32).toString("base64"), "app.2": randomBytes(32).toString("base64") });

describe("LocalBackend", () => {
  const backend = new LocalBackend(set());

  it.each<[string, Partial<KeyBinding>]>([
    ["a namespace that is a prefix of the sealed one", { namespace: "ap" }],
    ["namespace and name shifted across the boundary", { namespace: "appd", name: "b" }],
  ])("refuses to unwrap for %s (length-prefixed AAD)", async (_name, change) => {
    const wrapped = await backend.wrap(randomBytes(32), { key: "app", version: "1" }, binding);
    await expect(backend.unwrap(wrapped, { ...binding, ...change })).rejects.toBeInstanceOf(KeyMismatchError);
  });

  it("encodes key, version and every binding field into the AAD without ambiguity", () => {
    const a = localWrapAad({ key: "app", version: "1" }, { scope: "strict", namespace: "ab", name: "c" });
    const b = localWrapAad({ key: "app", version: "1" }, { scope: "strict", namespace: "a", name: "bc" });
    const c = localWrapAad({ key: "app", version: "12" }, { scope: "strict", namespace: "ab", name: "c" });
    expect(new Set([a.toString("hex"), b.toString("hex"), c.toString("hex")]).size).toBe(3);
  });

  it("resolves latest to the highest version, numerically", async () => {
    const many = keySetFromSecretData("t", Object.fromEntries(["2", "10", "9"].map((v) => [`app.${v}`, randomBytes(32).toString("base64")])));
    await expect(new LocalBackend(many).currentVersion("app")).resolves.toBe("10");
  });

  it("says what failed to authenticate, and that the cause may be another object", async () => {
    const wrapped = await backend.wrap(randomBytes(32), { key: "app", version: "2" }, binding);
    await expect(backend.unwrap(wrapped, { ...binding, name: "other" })).rejects.toThrow(
      'wrapped data key did not authenticate under local key "app" version 2 (wrong key, or sealed for another object, or tampered)',
    );
  });
});

describe("local key sets", () => {
  it.each([
    ["an entry without a version", { app: "AAAA" }, /<key>.<version>/],
    ["a non-numeric version", { "app.latest": randomBytes(32).toString("base64") }, /positive integer/],
    ["a key of the wrong size", { "app.1": randomBytes(16).toString("base64") }, /32 bytes, got 16/],
  ])("rejects Secret data with %s", (_name, data, message) => {
    expect(() => keySetFromSecretData("Secret envelope-system/keks", data)).toThrow(message);
    expect(() => keySetFromSecretData("Secret envelope-system/keks", data)).toThrow(InvalidSpecError);
  });

  it("round-trips the key file and the Secret data form", () => {
    const second = withNewVersion(withNewVersion(new Map(), "app").set, "app");
    expect(second.version).toBe("2");
    const fromFile = keySetFromFile("keys.yaml", serializeKeyFile(second.set));
    const fromSecret = keySetFromSecretData("Secret", secretDataFromKeySet(second.set));
    for (const parsed of [fromFile, fromSecret]) {
      expect([...parsed.get("app")!.keys()]).toEqual(["1", "2"]);
      expect(parsed.get("app")!.get("2")).toEqual(second.set.get("app")!.get("2"));
    }
  });

  it.each([["not YAML", "keys: ["], ["no keys mapping", "other: 1"], ["a bad key", "keys: {app: {'1': 'AAAA'}}"]])("rejects a key file with %s", (_name, text) => {
    expect(() => keySetFromFile("keys.yaml", text)).toThrow(InvalidSpecError);
  });

  it("zeroes every key of a set", () => {
    const keys = set();
    zeroKeySet(keys);
    for (const versions of keys.values()) for (const bytes of versions.values()) expect(bytes.every((b) => b === 0)).toBe(true);
  });
});

describe("key files for `envelope keygen`", () => {
  const counter = (): ((n: number) => Buffer) => {
    let next = 1;
    return (n) => Buffer.alloc(n, next++);
  };

  it("generates a file with version 1 of a key, from the injected randomness, with a warning header", () => {
    const file = generateLocalKeyFile("app", counter());
    expect(file).toMatchObject({ key: "app", version: "1" });
    expect(file.text).toMatch(/^# .*local KEKs/);
    expect(keySetFromFile("keys.yaml", file.text).get("app")!.get("1")).toEqual(Buffer.alloc(32, 1));
  });

  it("adds the next version and keeps every other key and version", () => {
    const random = counter();
    const withOther = addVersion(generateLocalKeyFile("app", random).text, "other", random);
    const updated = addVersion(withOther.text, "app", random);
    expect(updated.version).toBe("2");
    const parsed = keySetFromFile("keys.yaml", updated.text);
    expect(parsed.get("app")!.get("1")).toEqual(Buffer.alloc(32, 1));
    expect(parsed.get("other")!.get("1")).toEqual(Buffer.alloc(32, 2));
    expect(parsed.get("app")!.get("2")).toEqual(Buffer.alloc(32, 3));
  });

  it("produces keys the backend wraps with", async () => {
    const keys = keySetFromFile("keys.yaml", addVersion(generateLocalKeyFile("app").text, "app").text);
    const backend = new LocalBackend(keys);
    await expect(backend.currentVersion("app")).resolves.toBe("2");
    const dek = randomBytes(32);
    const wrapped = await backend.wrap(dek, { key: "app", version: "2" }, binding);
    expect(Buffer.from(await backend.unwrap(wrapped, binding))).toEqual(dek);
  });

  it.each([["an invalid key name", "-app"], ["a name with a dot", "app.v2"]])("refuses %s", (_name, key) => {
    expect(() => generateLocalKeyFile(key)).toThrow(InvalidSpecError);
  });
});
