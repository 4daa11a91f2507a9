import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { LocalBackend } from "./local.ts";
import { keySetFromFile, keySetFromSecretData, serializeKeyFile, withNewVersion, type LocalKeySet } from "./key-set.ts";
import { InvalidSpecError, KeyMismatchError, KeyNotFoundError, KeyVersionNotFoundError } from "../../errors.ts";
import type { KeyBinding } from "../types.ts";

const binding: KeyBinding = { scope: "strict", namespace: "app", name: "db" };
const set = (): LocalKeySet => keySetFromSecretData("test", { "app.1": randomBytes(32).toString("base64"), "app.2": randomBytes(32).toString("base64") });

describe("LocalBackend", () => {
  const keys = set();
  const backend = new LocalBackend(async () => keys);

  it.each(["1", "2"])("unwraps what version %s wrapped, and leaves the caller's DEK untouched", async (version) => {
    const dek = randomBytes(32);
    const copy = Buffer.from(dek);
    const wrapped = await backend.wrap(dek, { key: "app", version }, binding);
    expect(dek).toEqual(copy);
    expect(Buffer.from(await backend.unwrap(wrapped, binding))).toEqual(copy);
  });

  it.each<[string, Partial<KeyBinding>]>([
    ["another namespace", { namespace: "other" }],
    ["another name", { name: "other" }],
    ["another scope", { scope: "namespace" }],
  ])("refuses to unwrap for %s", async (_name, change) => {
    const wrapped = await backend.wrap(randomBytes(32), { key: "app", version: "1" }, binding);
    await expect(backend.unwrap(wrapped, { ...binding, ...change })).rejects.toBeInstanceOf(KeyMismatchError);
  });

  it("refuses a wrap made by another version as not its own", async () => {
    const wrapped = await backend.wrap(randomBytes(32), { key: "app", version: "1" }, binding);
    await expect(backend.unwrap({ ...wrapped, kek: { key: "app", version: "2" } }, binding)).rejects.toBeInstanceOf(KeyMismatchError);
  });

  it("refuses tampered ciphertext without echoing key material", async () => {
    const dek = randomBytes(32);
    const wrapped = await backend.wrap(dek, { key: "app", version: "1" }, binding);
    const bad = Buffer.from(wrapped.ciphertext);
    bad[15]! ^= 1;
    const err = (await backend.unwrap({ ...wrapped, ciphertext: bad }, binding).then(() => undefined, (e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(KeyMismatchError);
    expect(err.message).not.toContain(dek.toString("hex"));
    expect(err.message).not.toContain(dek.toString("base64"));
  });

  it("names a missing key or version with a typed error", async () => {
    await expect(backend.wrap(randomBytes(32), { key: "nope", version: "1" }, binding)).rejects.toBeInstanceOf(KeyNotFoundError);
    await expect(backend.wrap(randomBytes(32), { key: "app", version: "9" }, binding)).rejects.toBeInstanceOf(KeyVersionNotFoundError);
    await expect(backend.currentVersion("nope")).rejects.toBeInstanceOf(KeyNotFoundError);
  });

  it("resolves latest to the highest version, numerically", async () => {
    const many = keySetFromSecretData("t", Object.fromEntries(["2", "10", "9"].map((v) => [`app.${v}`, randomBytes(32).toString("base64")])));
    await expect(new LocalBackend(async () => many).currentVersion("app")).resolves.toBe("10");
  });

  it("has no public key (symmetric KEKs)", async () => {
    await expect(backend.publicKey()).resolves.toBeUndefined();
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

  it("round-trips the key file and adds versions", () => {
    const first = withNewVersion(new Map(), "app");
    expect(first.version).toBe("1");
    const second = withNewVersion(first.set, "app");
    expect(second.version).toBe("2");
    const parsed = keySetFromFile("keys.yaml", serializeKeyFile(second.set));
    expect([...parsed.get("app")!.keys()]).toEqual(["1", "2"]);
    expect(parsed.get("app")!.get("2")).toEqual(second.set.get("app")!.get("2"));
  });

  it.each([["not YAML", "keys: ["], ["no keys mapping", "other: 1"], ["a bad key", "keys: {app: {'1': 'AAAA'}}"]])("rejects a key file with %s", (_name, text) => {
    expect(() => keySetFromFile("keys.yaml", text)).toThrow(InvalidSpecError);
  });
});
