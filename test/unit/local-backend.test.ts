// The local backend against the shared KeyBackend contract: KEKs parsed from Secret data, AES-256-GCM
// wrap bound to the object.
import { randomBytes } from "node:crypto";
import { keyBackendContract } from "../contract/key-backend.contract.ts";
import { keySetFromSecretData } from "../../src/kms/local/key-set.ts";
import { LocalBackend } from "../../src/kms/local/local.ts";

const secretData = (): Record<string, string> =>
  Object.fromEntries(["app.1", "app.2", "other.1"].map((entry) => [entry, randomBytes(32).toString("base64")]));

keyBackendContract("local (parsed key set)", async () => new LocalBackend(keySetFromSecretData("Secret envelope-system/keks", secretData())), {
  key: "app",
  versions: ["1", "2"],
  otherKek: { key: "other", version: "1" },
  bindsToObject: true,
  asymmetric: false,
});

keyBackendContract("local (key source read on every call)", async () => {
  const data = secretData();
  return new LocalBackend(async () => keySetFromSecretData("Secret envelope-system/keks", data));
}, {
  key: "app",
  versions: ["1", "2"],
  otherKek: { key: "other", version: "1" },
  bindsToObject: true,
  asymmetric: false,
});
