// AWS KMS for tests: nsmithuk/local-kms, built from the Go module proxy (hack/local-kms/go.mod).
// Real AES-GCM with the encryption context enforced, real RSA-OAEP, backing-key rotation, DisableKey.
// Seeded per run: a symmetric key with two backing keys, a second symmetric key, an RSA-3072
// ENCRYPT_DECRYPT key (its private key generated per run), and aliases. local-kms takes only a port
// and listens on all interfaces (it has no bind-address option).
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { generateKeyPairSync, randomBytes, randomUUID } from "node:crypto";
import { join } from "node:path";
import { stringify } from "yaml";
import type { BuildContext, Component, StartContext } from "../component.ts";
import { freePort } from "../ports.ts";
import { run, startDaemon, waitReady } from "../process.ts";
import { LOCAL_KMS_VERSION } from "../versions.ts";

export interface AwsInfo {
  readonly endpoint: string;
  readonly region: string;
  readonly accountId: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Symmetric key with two backing keys (a rotated key). */
  readonly symmetricKeyId: string;
  readonly symmetricKeyArn: string;
  readonly symmetricAlias: string;
  readonly secondKeyId: string;
  readonly secondAlias: string;
  readonly rsaKeyId: string;
  readonly rsaAlias: string;
}

const REGION = "eu-west-2";
const ACCOUNT = "111122223333";

function binary(cache: string): string {
  return join(cache, `local-kms-${LOCAL_KMS_VERSION}`, "local-kms");
}

async function build(ctx: BuildContext): Promise<void> {
  const target = binary(ctx.cache);
  if (existsSync(target)) return;
  const repo = join(import.meta.dirname, "..", "..", "..", "..");
  const staging = `${join(target, "..")}.partial`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  ctx.log(`building local-kms ${LOCAL_KMS_VERSION} from the Go module proxy`);
  await run("go", ["build", "-trimpath", "-o", staging + "/", "github.com/nsmithuk/local-kms"], {
    cwd: join(repo, "hack", "local-kms"),
    env: { ...process.env, CGO_ENABLED: "0", GOFLAGS: "-mod=mod" },
    label: "local-kms build",
  });
  rmSync(join(target, ".."), { recursive: true, force: true });
  renameSync(staging, join(target, ".."));
}

function seed(ids: { sym: string; second: string; rsa: string }): string {
  const hex = (): string => randomBytes(32).toString("hex");
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 3072 });
  return stringify({
    Keys: {
      Symmetric: { Aes: [{ Metadata: { KeyId: ids.sym }, BackingKeys: [hex(), hex()] }, { Metadata: { KeyId: ids.second }, BackingKeys: [hex()] }] },
      Asymmetric: { Rsa: [{ Metadata: { KeyId: ids.rsa, KeyUsage: "ENCRYPT_DECRYPT" }, PrivateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString() }] },
    },
    Aliases: [
      { AliasName: "alias/envelope-test", TargetKeyId: ids.sym },
      { AliasName: "alias/envelope-test-2", TargetKeyId: ids.second },
      { AliasName: "alias/envelope-rsa", TargetKeyId: ids.rsa },
    ],
  });
}

async function listKeysOk(endpoint: string): Promise<boolean> {
  const res = await fetch(endpoint, { method: "POST", headers: { "X-Amz-Target": "TrentService.ListKeys", "Content-Type": "application/x-amz-json-1.1" }, body: "{}" });
  return res.ok;
}

async function start(ctx: StartContext): Promise<AwsInfo> {
  const ids = { sym: randomUUID(), second: randomUUID(), rsa: randomUUID() };
  const seedFile = join(ctx.dir, "seed.yaml");
  writeFileSync(seedFile, seed(ids), { mode: 0o600 });
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const daemon = startDaemon({
    name: "local-kms",
    command: binary(ctx.cache),
    args: [],
    logFile: join(ctx.dir, "local-kms.log"),
    env: { PATH: process.env.PATH ?? "", PORT: String(port), KMS_REGION: REGION, KMS_ACCOUNT_ID: ACCOUNT, KMS_SEED_PATH: seedFile, KMS_DATA_PATH: join(ctx.dir, "data") },
  });
  ctx.track(daemon);
  await waitReady(daemon, () => listKeysOk(endpoint), 60_000);
  return {
    endpoint,
    region: REGION,
    accountId: ACCOUNT,
    accessKeyId: "testbed",
    secretAccessKey: "testbed",
    symmetricKeyId: ids.sym,
    symmetricKeyArn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/${ids.sym}`,
    symmetricAlias: "alias/envelope-test",
    secondKeyId: ids.second,
    secondAlias: "alias/envelope-test-2",
    rsaKeyId: ids.rsa,
    rsaAlias: "alias/envelope-rsa",
  };
}

export const localKms: Component<AwsInfo> = {
  name: "aws",
  build,
  start,
  env: (info) => ({
    AWS_ENDPOINT_URL_KMS: info.endpoint,
    AWS_REGION: info.region,
    AWS_ACCESS_KEY_ID: info.accessKeyId,
    AWS_SECRET_ACCESS_KEY: info.secretAccessKey,
    TESTBED_AWS_SYMMETRIC_KEY: info.symmetricAlias,
    TESTBED_AWS_SECOND_KEY: info.secondAlias,
    TESTBED_AWS_RSA_KEY: info.rsaAlias,
  }),
};
