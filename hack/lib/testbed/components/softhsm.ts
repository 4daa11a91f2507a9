// SoftHSM2 token for the pkcs11 backend: a fresh token per run (its own SOFTHSM2_CONF and token dir in
// the run's directory) with versioned KEKs — AES-256 "envelope-aes" and RSA-3072 "envelope-rsa", each
// with CKA_ID "1" and "2" (the pkcs11 backend's version convention). SoftHSM is a library, not a
// daemon: nothing is tracked, and the token dies with the run's directory.
//
// The token is initialised and its keys generated in a child process (this file run as a script) for
// two reasons: SoftHSM reads SOFTHSM2_CONF once, at C_Initialize, so loading it into the vitest or CLI
// process would pin that process to this run's token (and leak the variable into test workers); and
// softhsm2-util takes PINs only on its command line (visible in /proc, echoed by run() on failure),
// whereas the child gets them on stdin and calls C_InitToken/C_InitPIN itself.
// Every process that loads the module for this token must set SOFTHSM2_CONF before its C_Initialize:
// test workers do `process.env.SOFTHSM2_CONF = info.conf` before creating a backend.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { accessSync, constants as fs, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { delimiter, join } from "node:path";
import type * as Pkcs11jsModule from "pkcs11js";
import type { BuildContext, Component, StartContext } from "../component.ts";
import { ComponentError, run } from "../process.ts";

export interface Pkcs11Info {
  /** Path of libsofthsm2.so. */
  readonly module: string;
  /** SOFTHSM2_CONF for this run's token: set it in process.env before loading the module. */
  readonly conf: string;
  readonly tokenLabel: string;
  /** User PIN, random per run. */
  readonly pin: string;
  /** Security officer PIN, random per run. */
  readonly soPin: string;
  /** CKA_LABEL of the AES-256 KEK (CKA_ID = version). */
  readonly aesKeyLabel: string;
  /** CKA_LABEL of the RSA-3072 KEK pair (CKA_ID = version). */
  readonly rsaKeyLabel: string;
  /** CKA_ID values ("1", "2") present for both labels. */
  readonly versions: readonly string[];
}

const MODULE_CANDIDATES = [
  "/usr/lib/softhsm/libsofthsm2.so",
  "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
  "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
  "/usr/local/lib/softhsm/libsofthsm2.so",
  "/usr/lib64/pkcs11/libsofthsm2.so",
];

function onPath(binary: string): boolean {
  return (process.env.PATH ?? "").split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, binary), fs.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export function findSoftHsmModule(): string | undefined {
  return MODULE_CANDIDATES.find((path) => existsSync(path));
}

async function build(ctx: BuildContext): Promise<void> {
  const missing = [["softhsm2-util", "softhsm2"], ["openssl", "openssl"]].filter(([binary]) => !onPath(binary!)).map(([, pkg]) => pkg!);
  if (missing.length === 0 && findSoftHsmModule() !== undefined) return;
  const packages = missing.length > 0 ? missing : ["softhsm2"];
  ctx.log(`installing ${packages.join(", ")} with apt-get (SoftHSM2 for the pkcs11 component)`);
  await run("apt-get", ["update"], { label: "apt-get update" });
  await run("apt-get", ["install", "-y", "--no-install-recommends", ...packages], { env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" }, label: "apt-get install" });
  if (findSoftHsmModule() === undefined) throw new ComponentError("pkcs11", `libsofthsm2.so not found after installing softhsm2 (looked in ${MODULE_CANDIDATES.join(", ")})`);
}

async function start(ctx: StartContext): Promise<Pkcs11Info> {
  const module = findSoftHsmModule();
  if (module === undefined) throw new ComponentError("pkcs11", "libsofthsm2.so not found: run `hack/testbed build`");
  const tokens = join(ctx.dir, "tokens");
  mkdirSync(tokens, { recursive: true, mode: 0o700 });
  const conf = join(ctx.dir, "softhsm2.conf");
  writeFileSync(conf, [`directories.tokendir = ${tokens}`, "objectstore.backend = file", "log.level = ERROR", "slots.removable = false", ""].join("\n"), { mode: 0o600 });
  const info: Pkcs11Info = {
    module,
    conf,
    tokenLabel: "envelope-test",
    pin: randomBytes(12).toString("hex"),
    soPin: randomBytes(12).toString("hex"),
    aesKeyLabel: "envelope-aes",
    rsaKeyLabel: "envelope-rsa",
    versions: ["1", "2"],
  };
  ctx.log(`initialising SoftHSM2 token "${info.tokenLabel}" and generating KEKs (AES-256 and RSA-3072, versions ${info.versions.join(", ")})`);
  await provisionInChild(info);
  return info;
}

/** Runs this file as a script with SOFTHSM2_CONF set; the PINs travel on stdin, never on argv. */
function provisionInChild(info: Pkcs11Info): Promise<void> {
  return new Promise((resolveDone, reject) => {
    const child = spawn(process.execPath, [join(import.meta.dirname, "softhsm.ts")], {
      env: { ...process.env, SOFTHSM2_CONF: info.conf },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", (err) => reject(new ComponentError("pkcs11", `could not run the token provisioning script: ${err.message}`)));
    child.on("close", (code) => {
      if (code === 0) resolveDone();
      else reject(new ComponentError("pkcs11", `token provisioning exited with ${code}`, output.trimEnd()));
    });
    child.stdin.end(JSON.stringify(info));
  });
}

// ---- The child: token initialisation and key generation through pkcs11js ----------------------------

type Pkcs11js = typeof Pkcs11jsModule;
type Lib = InstanceType<Pkcs11js["PKCS11"]>;
type Attr = { type: number; value?: number | boolean | string | Buffer };

function aesTemplate(p: Pkcs11js, label: string, id: string): Attr[] {
  return [
    { type: p.CKA_CLASS, value: p.CKO_SECRET_KEY },
    { type: p.CKA_KEY_TYPE, value: p.CKK_AES },
    { type: p.CKA_VALUE_LEN, value: 32 },
    { type: p.CKA_LABEL, value: label },
    { type: p.CKA_ID, value: Buffer.from(id, "utf8") },
    { type: p.CKA_TOKEN, value: true },
    { type: p.CKA_PRIVATE, value: true },
    { type: p.CKA_SENSITIVE, value: true },
    { type: p.CKA_EXTRACTABLE, value: false },
    { type: p.CKA_WRAP, value: true },
    { type: p.CKA_UNWRAP, value: true },
    { type: p.CKA_ENCRYPT, value: true },
    { type: p.CKA_DECRYPT, value: true },
  ];
}

function rsaTemplates(p: Pkcs11js, label: string, id: string): [Attr[], Attr[]] {
  const common = (cls: number): Attr[] => [
    { type: p.CKA_CLASS, value: cls },
    { type: p.CKA_KEY_TYPE, value: p.CKK_RSA },
    { type: p.CKA_LABEL, value: label },
    { type: p.CKA_ID, value: Buffer.from(id, "utf8") },
    { type: p.CKA_TOKEN, value: true },
  ];
  const publicKey = [
    ...common(p.CKO_PUBLIC_KEY),
    { type: p.CKA_MODULUS_BITS, value: 3072 },
    { type: p.CKA_PUBLIC_EXPONENT, value: Buffer.from([1, 0, 1]) },
    { type: p.CKA_WRAP, value: true },
    { type: p.CKA_ENCRYPT, value: true },
  ];
  const privateKey = [
    ...common(p.CKO_PRIVATE_KEY),
    { type: p.CKA_PRIVATE, value: true },
    { type: p.CKA_SENSITIVE, value: true },
    { type: p.CKA_EXTRACTABLE, value: false },
    { type: p.CKA_UNWRAP, value: true },
    { type: p.CKA_DECRYPT, value: true },
  ];
  return [publicKey, privateKey];
}

function tokenLabelOf(lib: Lib, slot: Buffer): string {
  return lib.C_GetTokenInfo(slot).label.replace(/[\0 ]+$/, "");
}

function initToken(p: Pkcs11js, lib: Lib, info: Pkcs11Info): Buffer {
  const free = lib.C_GetSlotList(false).find((slot) => (lib.C_GetTokenInfo(slot).flags & p.CKF_TOKEN_INITIALIZED) === 0);
  if (free === undefined) throw new Error("SoftHSM offers no free slot");
  // C_InitToken takes the label as the raw 32-byte, blank-padded field.
  lib.C_InitToken(free, info.soPin, info.tokenLabel.padEnd(32, " "));
  const slot = lib.C_GetSlotList(true).find((s) => tokenLabelOf(lib, s) === info.tokenLabel);
  if (slot === undefined) throw new Error(`token "${info.tokenLabel}" not found after C_InitToken`);
  return slot;
}

function provision(p: Pkcs11js, info: Pkcs11Info): void {
  const lib = new p.PKCS11();
  lib.load(info.module);
  lib.C_Initialize({ flags: p.CKF_OS_LOCKING_OK });
  try {
    const slot = initToken(p, lib, info);
    const session = lib.C_OpenSession(slot, p.CKF_SERIAL_SESSION | p.CKF_RW_SESSION);
    lib.C_Login(session, p.CKU_SO, info.soPin);
    lib.C_InitPIN(session, info.pin);
    lib.C_Logout(session);
    lib.C_Login(session, p.CKU_USER, info.pin);
    for (const id of info.versions) {
      lib.C_GenerateKey(session, { mechanism: p.CKM_AES_KEY_GEN }, aesTemplate(p, info.aesKeyLabel, id));
      const [publicKey, privateKey] = rsaTemplates(p, info.rsaKeyLabel, id);
      lib.C_GenerateKeyPair(session, { mechanism: p.CKM_RSA_PKCS_KEY_PAIR_GEN }, publicKey, privateKey);
    }
    lib.C_Logout(session);
    lib.C_CloseSession(session);
  } finally {
    lib.C_Finalize();
  }
}

async function childMain(): Promise<void> {
  let input = "";
  for await (const chunk of process.stdin) input += (chunk as Buffer).toString();
  const info = JSON.parse(input) as Pkcs11Info;
  // pkcs11js is CommonJS; require() keeps this script independent of ESM interop details.
  const p = createRequire(import.meta.url)("pkcs11js") as Pkcs11js;
  provision(p, info);
}

if (import.meta.main) {
  childMain().catch((err: unknown) => {
    // pkcs11js messages are CKR names; PINs are never part of them.
    process.stderr.write(`SoftHSM token provisioning failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}

export const softhsm: Component<Pkcs11Info> = {
  name: "pkcs11",
  build,
  start,
  env: (info) => ({
    SOFTHSM2_CONF: info.conf,
    TESTBED_PKCS11_MODULE: info.module,
    TESTBED_PKCS11_TOKEN: info.tokenLabel,
    TESTBED_PKCS11_PIN: info.pin,
    TESTBED_PKCS11_AES_KEY: info.aesKeyLabel,
    TESTBED_PKCS11_RSA_KEY: info.rsaKeyLabel,
  }),
};
