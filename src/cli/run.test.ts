// The CLI run in-process, as main.ts runs it, with injected stdin/stdout/stderr, env, directories,
// randomness, backends and editor: every command, its outputs and its exit codes.
import { constants, createHash, generateKeyPairSync, privateDecrypt, publicEncrypt } from "node:crypto";
import { chmod, mkdir, mkdtemp, open, readdir, readFile, rm, stat, writeFile, type FileHandle } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RandomBytes } from "../envelope/index.ts";
import type { KeyBackend } from "../kms/types.ts";
import type { EditorRunner } from "./editor.ts";
import { EXIT } from "./exit-codes.ts";
import type { CliIo } from "./io.ts";
import { createCliBackend, type BackendFactory } from "./providers.ts";
import { COMMANDS, run } from "./run.ts";
import { parseSingleDocument } from "./yaml-input.ts";

const PASSWORD = "pw-Xq9-s3cr3t";
const USERNAME = "user-admin-7731";
const SECRETS = [PASSWORD, USERNAME, Buffer.from(PASSWORD).toString("base64"), Buffer.from(USERNAME).toString("base64")];

interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

interface Call {
  readonly stdin?: string;
  readonly stdinIsTTY?: boolean;
  readonly env?: Record<string, string>;
  readonly randomBytes?: RandomBytes;
  readonly backends?: BackendFactory;
  readonly runEditor?: EditorRunner;
  readonly cwd?: string;
}

let root: string;
let work: string;
let edits: string;
const stderrSeen: string[] = [];

async function cli(argv: string[], call: Call = {}): Promise<Result> {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    stdin: async () => Buffer.from(call.stdin ?? ""),
    stdinIsTTY: call.stdinIsTTY ?? false,
    stdout: { write: (t) => void (stdout += t) },
    stderr: { write: (t) => void (stderr += t) },
    env: call.env ?? {},
    cwd: call.cwd ?? work,
    tmpdir: edits,
    version: "9.9.9",
    ...(call.randomBytes !== undefined ? { randomBytes: call.randomBytes } : {}),
    ...(call.backends !== undefined ? { backends: call.backends } : {}),
    ...(call.runEditor !== undefined ? { runEditor: call.runEditor } : {}),
  };
  const code = await run(argv, io);
  stderrSeen.push(stderr);
  return { code, stdout, stderr };
}

const CONFIG = `providers:
  dev:
    local: {keyFile: keys/dev.yaml}
  rsa:
    aws: {region: test-1}
  cloud:
    azure: {vaultUrl: "https://example.vault.azure.net"}
rules:
  - path: "prod/**"
    provider: dev
    key: prod-key
  - provider: dev
    key: app
`;

const kubectlSecret = (name: string): string => `apiVersion: v1
data:
  password: ${Buffer.from(PASSWORD).toString("base64")}
  username: ${Buffer.from(USERNAME).toString("base64")}
kind: Secret
metadata:
  creationTimestamp: null
  name: ${name}
`;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "envelope-cli-"));
  work = join(root, "repo");
  edits = join(root, "tmp");
  await mkdir(join(work, "prod"), { recursive: true });
  await mkdir(edits);
  await writeFile(join(work, ".envelope.yaml"), CONFIG);
  for (const key of ["app", "prod-key", "app"]) expect((await cli(["keygen", "--key-file", "keys/dev.yaml", "--key", key])).code).toBe(0);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function sealLiterals(extra: string[] = [], call: Call = {}): Promise<Result> {
  return cli(["seal", "--name", "db", "--namespace", "prod", "--from-literal", `password=${PASSWORD}`, "--from-literal", `username=${USERNAME}`, ...extra], call);
}

async function sealToFile(path: string, extra: string[] = []): Promise<void> {
  const r = await sealLiterals(["-o", path, ...extra]);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
}

function doc(text: string): { metadata: Record<string, unknown>; spec: { keyRef: Record<string, string>; envelope: Record<string, string>; encryptedData: Record<string, string>; template?: Record<string, unknown> } } {
  return parseSingleDocument("test", text) as ReturnType<typeof doc>;
}

function seeded(seed: string): RandomBytes {
  let counter = 0;
  return (size) => {
    const out = Buffer.alloc(size);
    for (let off = 0; off < size; ) off += createHash("sha256").update(`${seed}:${counter++}`).digest().copy(out, off);
    return out;
  };
}

/** A deterministic stand-in for a KMS: the wrap is a fixed XOR, so output depends only on the randomness. */
const fixedBackend: KeyBackend = {
  type: "fixed",
  wrap: async (dek, kek) => ({ kek, algorithm: "TEST-XOR", ciphertext: Buffer.from(dek).map((b) => b ^ 0x5a) }),
  unwrap: async (wrapped) => Buffer.from(wrapped.ciphertext).map((b) => b ^ 0x5a),
  currentVersion: async () => "1",
  publicKey: async () => undefined,
  close: async () => undefined,
};

describe("seal", () => {
  it("seals --from-literal values into a stable EncryptedSecret that open turns back into the Secret", async () => {
    const sealed = await sealLiterals();
    expect(sealed.code).toBe(0);
    for (const s of SECRETS) expect(sealed.stdout).not.toContain(s);
    const es = doc(sealed.stdout);
    expect(es.metadata).toEqual({ name: "db", namespace: "prod" });
    expect(es.spec.keyRef).toEqual({ provider: "dev", key: "app", version: "latest" });
    expect(es.spec.envelope).toMatchObject({ format: "v1", key: "app", keyVersion: "2", algorithm: "A256GCM", namespace: "prod", name: "db" });
    expect(Object.keys(es.spec.encryptedData)).toEqual(["password", "username"]);
    const opened = await cli(["open", "-"], { stdin: sealed.stdout });
    expect(opened).toMatchObject({ code: 0, stderr: "" });
    expect(opened.stdout).toBe(`apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: prod\ntype: Opaque\nstringData:\n  password: ${PASSWORD}\n  username: ${USERNAME}\n`);
  });

  it("seals kubectl's dry-run output from stdin, keeping type, labels and annotations in the authenticated template", async () => {
    const manifest = kubectlSecret("web").replace("metadata:\n", "metadata:\n  labels: {app: web}\n  annotations: {team: payments}\n").replace("kind: Secret\n", "kind: Secret\ntype: kubernetes.io/basic-auth\n");
    const r = await cli(["seal", "-n", "prod", "--scope", "namespace"], { stdin: manifest });
    expect(r.code).toBe(0);
    const es = doc(r.stdout);
    expect(es.spec.template).toEqual({ type: "kubernetes.io/basic-auth", metadata: { labels: { app: "web" }, annotations: { team: "payments" } } });
    expect(es.spec.envelope).not.toHaveProperty("name");
    const opened = await cli(["open", "-"], { stdin: r.stdout });
    expect(opened.stdout).toContain(`  password: ${PASSWORD}\n`);
    expect(opened.stdout).toContain("type: kubernetes.io/basic-auth");
  });

  it("writes -o FILE atomically with mode 0644 and prints nothing", async () => {
    const r = await sealLiterals(["-o", "db.enc.yaml"]);
    expect(r).toEqual({ code: 0, stdout: "", stderr: "" });
    expect((await stat(join(work, "db.enc.yaml"))).mode & 0o777).toBe(0o644);
  });

  it("chooses the key by the rules of .envelope.yaml (output path), and lets flags pin a version", async () => {
    await sealToFile("prod/db.enc.yaml");
    expect(doc(await readFile(join(work, "prod/db.enc.yaml"), "utf8")).spec.keyRef).toEqual({ provider: "dev", key: "prod-key", version: "latest" });
    const pinned = doc((await sealLiterals(["--key-version", "1"])).stdout);
    expect(pinned.spec.keyRef.version).toBe("1");
    expect(pinned.spec.envelope.keyVersion).toBe("1");
  });

  it("finds .envelope.yaml from a subdirectory", async () => {
    expect((await sealLiterals([], { cwd: join(work, "prod") })).code).toBe(0);
  });

  it.each<[string, string[], Call, number, RegExp]>([
    ["a multi-document stream", ["-n", "prod"], { stdin: `${kubectlSecret("a")}---\n${kubectlSecret("b")}` }, EXIT.input, /2 YAML documents, expected exactly one/],
    ["malformed YAML", ["-n", "prod"], { stdin: `${kubectlSecret("a")}  bad: [${PASSWORD}\n` }, EXIT.input, /malformed YAML: \w+ at line/],
    ["a non-Secret", ["-n", "prod"], { stdin: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n" }, EXIT.input, /expected a Secret .*"ConfigMap"/],
    ["bad base64 in data", ["-n", "prod"], { stdin: `apiVersion: v1\nkind: Secret\nmetadata: {name: a}\ndata: {password: "${PASSWORD}"}\n` }, EXIT.input, /data\["password"\] is not valid base64/],
    ["a manifest without a namespace", [], { stdin: kubectlSecret("a") }, EXIT.usage, /no namespace: scope strict binds .* pass --namespace/],
    ["no input on a terminal", [], { stdinIsTTY: true }, EXIT.usage, /no input: pipe a Secret manifest/],
    ["an invalid object name", ["-n", "prod", "--name", "Not_Valid"], { stdin: kubectlSecret("a") }, EXIT.input, /name: not a valid object name/],
    ["an invalid key name", ["-n", "prod", "--name", "a", "--from-literal", `bad/key=${PASSWORD}`], {}, EXIT.input, /invalid key name/],
    ["an unknown provider", ["-n", "prod", "--provider", "nope", "--key", "app"], { stdin: kubectlSecret("a") }, EXIT.backend, /provider "nope" is not configured: .*\.envelope\.yaml does not declare it; add it under "providers:"/],
    ["a missing key version", ["-n", "prod", "--key-version", "9"], { stdin: kubectlSecret("a") }, EXIT.backend, /local key "app" has no version 9 \(versions: 1, 2\)/],
    ["a missing key", ["-n", "prod", "--key", "nope"], { stdin: kubectlSecret("a") }, EXIT.backend, /local key "nope" does not exist/],
    ["a backend the CLI cannot build yet", ["-n", "prod", "--provider", "cloud", "--key", "k"], { stdin: kubectlSecret("a") }, EXIT.backend, /provider cloud: azure backends are not available in the CLI yet/],
    ["a value over 1 MiB", ["-n", "prod", "--name", "big", "--from-literal", `big=${"x".repeat(1_048_577)}`], {}, EXIT.input, /1048577 bytes of data, above the Kubernetes Secret limit/],
    ["a manifest and --from-literal at once", ["-f", "x.yaml", "--from-literal", `a=${PASSWORD}`], {}, EXIT.usage, /cannot be combined/],
    ["a missing input file", ["-f", "missing.yaml"], {}, EXIT.input, /cannot read missing.yaml: ENOENT/],
  ])("refuses %s with a specific error", async (_name, argv, call, code, message) => {
    const r = await cli(["seal", ...argv], call);
    expect(r.code).toBe(code);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^envelope: /);
    expect(r.stderr).toMatch(message);
  });

  it("needs a rule or flags to know the key", async () => {
    const bare = join(root, "bare");
    await mkdir(bare, { recursive: true });
    const r = await cli(["seal", "-n", "prod"], { stdin: kubectlSecret("a"), cwd: bare });
    expect(r.code).toBe(EXIT.usage);
    expect(r.stderr).toMatch(/no .envelope.yaml found; pass --provider and --key/);
    const flags = await cli(["seal", "-n", "prod", "--provider", "dev", "--key", "app"], { stdin: kubectlSecret("a"), cwd: bare });
    expect(flags.code).toBe(EXIT.backend);
    expect(flags.stderr).toMatch(/no .envelope.yaml was found/);
  });
});

describe("output determinism", () => {
  const backends: BackendFactory = async () => fixedBackend;

  it("is byte-identical for the same input and the same randomness", async () => {
    const a = await cli(["seal", "-n", "prod"], { stdin: kubectlSecret("db"), randomBytes: seeded("x"), backends });
    const b = await cli(["seal", "-n", "prod"], { stdin: kubectlSecret("db"), randomBytes: seeded("x"), backends });
    expect(a.code).toBe(0);
    expect(b.stdout).toBe(a.stdout);
  });

  it("does not depend on the order of the input's keys", async () => {
    const reordered = kubectlSecret("db").replace(/( {2}password: .*\n)( {2}username: .*\n)/, "$2$1");
    expect(reordered).not.toBe(kubectlSecret("db"));
    const a = await cli(["seal", "-n", "prod"], { stdin: kubectlSecret("db"), randomBytes: seeded("y"), backends });
    const b = await cli(["seal", "-n", "prod"], { stdin: reordered, randomBytes: seeded("y"), backends });
    expect(b.stdout).toBe(a.stdout);
  });

  it("two real seals differ only in the wrapped key, the commitment and the ciphertexts", async () => {
    const [a, b] = [(await sealLiterals()).stdout.split("\n"), (await sealLiterals()).stdout.split("\n")];
    expect(a.length).toBe(b.length);
    const differing = a.filter((line, i) => line !== b[i]).map((line) => line.trim().split(":")[0]);
    expect(differing).toEqual(["wrappedKey", "commitment", "password", "username"]);
  });
});

describe("open", () => {
  beforeAll(async () => {
    await sealToFile("open.enc.yaml");
  });

  it.each<[string, (text: string) => string, number, RegExp]>([
    ["tampered ciphertext", (t) => t.replace(/(password: )(.)/, (_m, p: string, c: string) => `${p}${c === "A" ? "B" : "A"}`), EXIT.input, /^envelope: standard input: value "password" failed authentication \(tampered/],
    ["a copy in another namespace", (t) => t.replace("  namespace: prod\nspec", "  namespace: staging\nspec"), EXIT.input, /sealed for namespace "prod" but the object is in namespace "staging"/],
    ["a copy under another name", (t) => t.replace("  name: db\n  namespace: prod\nspec", "  name: db2\n  namespace: prod\nspec"), EXIT.input, /sealed for name "db" but the object is named "db2"/],
    ["an unknown format version", (t) => t.replace("format: v1", "format: v2"), EXIT.input, /unsupported envelope format "v2"/],
    ["bad base64", (t) => t.replace(/(username: )./, "$1-"), EXIT.input, /spec.encryptedData\["username"\]: not canonical standard base64/],
    ["a missing key version", (t) => t.replace('keyVersion: "2"', 'keyVersion: "7"'), EXIT.backend, /has no version 7/],
    ["a provider not in .envelope.yaml", (t) => t.replace("provider: dev", "provider: prod-kms"), EXIT.backend, /provider "prod-kms" is not configured/],
    ["malformed YAML", (t) => `${t}  : [\n`, EXIT.input, /malformed YAML/],
    ["another kind", (t) => t.replace("kind: EncryptedSecret", "kind: Secret"), EXIT.input, /expected kind EncryptedSecret, got "Secret"/],
  ])("refuses %s with a specific error", async (_name, change, code, message) => {
    const original = await readFile(join(work, "open.enc.yaml"), "utf8");
    const changed = change(original);
    expect(changed).not.toBe(original);
    const r = await cli(["open", "-"], { stdin: changed });
    expect(r.stderr).toMatch(message);
    expect(r.code).toBe(code);
    expect(r.stdout).toBe("");
  });

  it("offers no -o: plaintext goes to stdout only", async () => {
    const r = await cli(["open", "open.enc.yaml", "-o", "plain.yaml"]);
    expect(r.code).toBe(EXIT.usage);
    expect(r.stderr).toBe("envelope: open: there is no -o: the plaintext goes to stdout only (redirect it yourself if you must write it to a file)\n");
  });

  it("binds a manifest without metadata.namespace through --namespace", async () => {
    const text = (await readFile(join(work, "open.enc.yaml"), "utf8")).replace("  namespace: prod\nspec", "spec");
    expect((await cli(["open", "-"], { stdin: text })).stderr).toMatch(/metadata.namespace is missing .* pass --namespace/);
    expect((await cli(["open", "-", "-n", "prod"], { stdin: text })).stdout).toContain(PASSWORD);
  });
});

describe("inspect", () => {
  it("shows metadata, key names and sizes, and no value", async () => {
    await sealToFile("inspect.enc.yaml");
    const text = await cli(["inspect", "inspect.enc.yaml"]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain("keyRef:       provider dev, key app, version latest");
    expect(text.stdout).toContain("envelope:     format v1, key app, version 2, algorithm A256GCM");
    expect(text.stdout).toContain("scope:        strict (bound to prod/db)");
    expect(text.stdout).toContain("binding:      matches the object's metadata");
    expect(text.stdout).toMatch(/password {2}13 bytes/);
    const json = JSON.parse((await cli(["inspect", "inspect.enc.yaml", "-o", "json"])).stdout) as { envelope: { values: unknown[]; keyVersion: string }; binding: unknown };
    expect(json.envelope.keyVersion).toBe("2");
    expect(json.envelope.values).toEqual([{ name: "password", plaintextBytes: 13 }, { name: "username", plaintextBytes: 15 }]);
    expect(json.binding).toEqual({ matches: true });
    for (const s of SECRETS) expect(text.stdout + JSON.stringify(json)).not.toContain(s);
  });

  it("needs no key and no config", async () => {
    await writeFile(join(root, "lonely.enc.yaml"), await readFile(join(work, "inspect.enc.yaml")));
    expect((await cli(["inspect", "lonely.enc.yaml"], { cwd: root })).code).toBe(0);
  });
});

describe("verify", () => {
  beforeAll(async () => {
    await mkdir(join(work, "ci", "nested"), { recursive: true });
    await sealToFile("ci/good.enc.yaml");
    await sealToFile("ci/v1.enc.yaml", ["--key-version", "1"]);
    const good = await readFile(join(work, "ci/good.enc.yaml"), "utf8");
    await writeFile(join(work, "ci/nested/copied.yaml"), good.replace("  namespace: prod\nspec", "  namespace: staging\nspec"));
    await writeFile(join(work, "ci/nested/multi.yml"), `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\n${good}---\n${good.replace("format: v1", "format: v9")}`);
    await writeFile(join(work, "ci/README.md"), "not yaml: [");
  });

  it("passes well-formed, correctly bound objects", async () => {
    const r = await cli(["verify", "ci/good.enc.yaml", "ci/v1.enc.yaml"]);
    expect(r.stdout).toBe("PASS ci/good.enc.yaml: prod/db\nPASS ci/v1.enc.yaml: prod/db\n2 passed, 0 failed, 0 other documents skipped\n");
    expect(r.code).toBe(0);
  });

  it("walks directories and multi-document files, failing each bad object with its reason (exit 1)", async () => {
    const r = await cli(["verify", "ci"]);
    expect(r.code).toBe(EXIT.checkFailed);
    expect(r.stdout.split("\n")).toEqual([
      "PASS ci/good.enc.yaml: prod/db",
      'FAIL ci/nested/copied.yaml: staging/db: envelope sealed for namespace "prod" but the object is in namespace "staging"',
      "PASS ci/nested/multi.yml#2: prod/db",
      'FAIL ci/nested/multi.yml#3: prod/db: spec.envelope.format: unsupported envelope format "v9"; this version reads "v1"',
      "PASS ci/v1.enc.yaml: prod/db",
      "3 passed, 2 failed, 1 other documents skipped",
      "",
    ]);
  });

  it.each([
    ["a key version below --min-version", ["--min-version", "2"], /FAIL ci\/v1.enc.yaml: prod\/db: envelope.keyVersion 1 is below the minimum version 2; keyRef.version 1 is below the minimum version 2/],
    ["a provider not on --allow-provider", ["--allow-provider", "aws-prod"], /FAIL ci\/v1.enc.yaml: prod\/db: provider "dev" is not allowed \(--allow-provider aws-prod\)/],
    ["a key not on --allow-key", ["--allow-key", "other", "--allow-key", "more"], /keyRef.key "app" is not allowed \(--allow-key other, more\); envelope.key "app" is not allowed/],
  ])("fails %s", async (_name, flags, message) => {
    const r = await cli(["verify", "ci/good.enc.yaml", "ci/v1.enc.yaml", ...flags]);
    expect(r.code).toBe(EXIT.checkFailed);
    expect(r.stdout).toMatch(message);
  });

  it("passes the allow-lists and floor when they are met", async () => {
    expect((await cli(["verify", "ci/good.enc.yaml", "--min-version", "2", "--allow-provider", "dev", "--allow-key", "app"])).code).toBe(0);
  });

  it("cannot see a tampered value: it decrypts nothing (open does)", async () => {
    const good = await readFile(join(work, "ci/good.enc.yaml"), "utf8");
    const tampered = good.replace(/(password: )(.)/, (_m, p: string, c: string) => `${p}${c === "A" ? "B" : "A"}`);
    expect((await cli(["verify", "-"], { stdin: tampered })).code).toBe(0);
    expect((await cli(["open", "-"], { stdin: tampered })).code).toBe(EXIT.input);
  });

  it("reports a file that is not YAML as a failure, and a missing path as an input error", async () => {
    await writeFile(join(work, "broken.yaml"), "a: [\n");
    const broken = await cli(["verify", "broken.yaml"]);
    expect(broken.code).toBe(EXIT.checkFailed);
    expect(broken.stdout).toMatch(/^FAIL broken.yaml: malformed YAML/);
    const missing = await cli(["verify", "nope"]);
    expect(missing.code).toBe(EXIT.input);
    expect(missing.stderr).toBe("envelope: verify: nope: no such file or directory\n");
  });

  it.each([[["verify"], /at least one FILE/], [["verify", "x", "--min-version", "v2"], /--min-version must be a non-negative integer/]])("rejects bad usage %j", async (argv, message) => {
    const r = await cli(argv);
    expect(r.code).toBe(EXIT.usage);
    expect(r.stderr).toMatch(message);
  });
});

describe("edit", () => {
  const FILE = "edit.enc.yaml";
  const path = (): string => join(work, FILE);

  beforeAll(async () => {
    await sealToFile(FILE);
  });

  const editor = (change: (text: string) => string, status = 0): EditorRunner & { seen: { command: string; mode: number; dirMode: number; text: string }[] } => {
    const seen: { command: string; mode: number; dirMode: number; text: string }[] = [];
    const fn = async (command: string, file: string): Promise<number> => {
      const text = await readFile(file, "utf8");
      seen.push({ command, mode: (await stat(file)).mode & 0o777, dirMode: (await stat(join(file, ".."))).mode & 0o777, text });
      await writeFile(file, change(text));
      return status;
    };
    return Object.assign(fn, { seen });
  };

  it("re-seals a changed value with a fresh data key; the plaintext temp file is private and gone afterwards", async () => {
    const before = doc(await readFile(path(), "utf8"));
    const run = editor((t) => t.replace(PASSWORD, "new-password-42"));
    const r = await cli(["edit", FILE], { runEditor: run, env: { EDITOR: "my-editor --wait" } });
    expect(r).toMatchObject({ code: 0, stdout: "" });
    expect(r.stderr).toBe(`envelope: ${FILE} re-sealed with a fresh data key\n`);
    expect(run.seen[0]).toMatchObject({ command: "my-editor --wait", mode: 0o600, dirMode: 0o700 });
    expect(run.seen[0]?.text).toContain(`password: ${PASSWORD}`);
    const after = doc(await readFile(path(), "utf8"));
    expect(after.spec.envelope.commitment).not.toBe(before.spec.envelope.commitment);
    expect(after.spec.keyRef).toEqual(before.spec.keyRef);
    expect(after.metadata).toEqual(before.metadata);
    expect((await cli(["open", FILE])).stdout).toContain("password: new-password-42\n");
    expect(await readdir(edits)).toEqual([]);
  });

  it("prefers $VISUAL, then $EDITOR, then vi", async () => {
    const commands: string[] = [];
    const record: EditorRunner = async (command) => {
      commands.push(command);
      return 0;
    };
    await cli(["edit", FILE], { runEditor: record, env: { VISUAL: "v", EDITOR: "e" } });
    await cli(["edit", FILE], { runEditor: record, env: { EDITOR: "e" } });
    await cli(["edit", FILE], { runEditor: record });
    expect(commands).toEqual(["v", "e", "vi"]);
  });

  it("leaves the file byte-identical when nothing changed (also when only formatting changed)", async () => {
    const before = await readFile(path());
    for (const change of [(t: string): string => t, (t: string): string => `# a comment\n${t.replace("type: Opaque", "type: 'Opaque'")}`]) {
      const r = await cli(["edit", FILE], { runEditor: editor(change) });
      expect(r.code).toBe(0);
      expect(r.stderr).toBe(`envelope: no changes; ${FILE} left unchanged\n`);
      expect(await readFile(path())).toEqual(before);
    }
    expect(await readdir(edits)).toEqual([]);
  });

  it("re-seals a label change (the template is authenticated)", async () => {
    const r = await cli(["edit", FILE], { runEditor: editor((t) => t.replace("  namespace: prod\n", "  namespace: prod\n  labels:\n    team: payments\n")) });
    expect(r.code).toBe(0);
    expect(doc(await readFile(path(), "utf8")).spec.template).toEqual({ type: "Opaque", metadata: { labels: { team: "payments" } } });
  });

  it.each<[string, EditorRunner, number, RegExp]>([
    ["the editor fails", editor((t) => t.replace(PASSWORD, "lost"), 1), EXIT.failure, /the editor exited with status 1; edit.enc.yaml left unchanged/],
    ["the editor cannot start", async () => Promise.reject(new Error("spawn ENOENT")), EXIT.failure, /could not start the editor/],
    ["the edit is not valid YAML", editor((t) => `${t}stringData: [\n`), EXIT.input, /edited Secret: malformed YAML/],
    ["the edit renames the object", editor((t) => t.replace("name: db", "name: other")), EXIT.input, /metadata.name cannot change/],
    ["the edit removes every value", editor((t) => t.replace(/stringData:[\s\S]*/, "")), EXIT.input, /data: no values/],
  ])("leaves the file untouched and removes the temp file when %s", async (_name, run, code, message) => {
    const before = await readFile(path());
    const r = await cli(["edit", FILE], { runEditor: run });
    expect(r.stderr).toMatch(message);
    expect(r.code).toBe(code);
    expect(await readFile(path())).toEqual(before);
    expect(await readdir(edits)).toEqual([]);
  });

  it("overwrites the temp file and the editor's swap file with zeros before removing them", async () => {
    const handles: FileHandle[] = [];
    const r = await cli(["edit", FILE], {
      runEditor: async (_command, file) => {
        const swap = join(file, "..", ".secret.yaml.swp");
        await writeFile(swap, `swap ${PASSWORD}`);
        // Handles kept open still see the inode after the directory is removed.
        handles.push(await open(file, "r"), await open(swap, "r"));
        return 1;
      },
    });
    expect(r.code).toBe(EXIT.failure);
    expect(await readdir(edits)).toEqual([]);
    for (const handle of handles) {
      const { size } = await handle.stat();
      const { buffer } = await handle.read(Buffer.alloc(size), 0, size, 0);
      await handle.close();
      expect(size).toBeGreaterThan(0);
      expect(buffer.every((b) => b === 0)).toBe(true);
    }
  });

  it("refuses stdin and a missing file", async () => {
    expect((await cli(["edit", "-"])).code).toBe(EXIT.usage);
    expect((await cli(["edit", "missing.yaml"])).code).toBe(EXIT.input);
  });
});

describe("pubkey and offline sealing", () => {
  const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const calls: string[] = [];
  const rsa: KeyBackend = {
    type: "test-rsa",
    wrap: async (dek, kek) => ({ kek, algorithm: "RSA-OAEP-256", ciphertext: publicEncrypt({ key: publicKey, oaepHash: "sha256", padding: constants.RSA_PKCS1_OAEP_PADDING }, dek) }),
    unwrap: async (wrapped) => privateDecrypt({ key: privateKey, oaepHash: "sha256", padding: constants.RSA_PKCS1_OAEP_PADDING }, wrapped.ciphertext),
    currentVersion: async () => "4",
    publicKey: async (kek) => ({ kek, algorithm: "RSA-OAEP-256", pem: publicKey.export({ type: "spki", format: "pem" }).toString() }),
    close: async () => undefined,
  };
  const backends: BackendFactory = async (provider, ctx) => {
    calls.push(provider.name);
    return provider.name === "rsa" ? rsa : createCliBackend(provider, ctx);
  };

  it("refuses a symmetric (local) key with a clear error, exit 4", async () => {
    const r = await cli(["pubkey", "--provider", "dev", "--key", "app"]);
    expect(r.code).toBe(EXIT.backend);
    expect(r.stderr).toMatch(/^envelope: provider dev \(local\) key "app": the KEK is symmetric and has no public key/);
  });

  it("exports a bundle, seals offline without any backend, and the backend opens it", async () => {
    const exported = await cli(["pubkey", "--provider", "rsa", "--key", "wrap-key", "-o", "rsa.pub.yaml"], { backends });
    expect(exported).toEqual({ code: 0, stdout: "", stderr: "" });
    const bundle = await readFile(join(work, "rsa.pub.yaml"), "utf8");
    expect(bundle).toMatch(/^apiVersion: envelope.dev\/v1alpha1\nkind: PublicKeyBundle\nprovider: rsa\nkey: wrap-key\nkeyVersion: "4"\nalgorithm: RSA-OAEP-256\npublicKey: \|\n {2}-----BEGIN PUBLIC KEY-----\n/);
    calls.length = 0;
    const sealed = await sealLiterals(["--public-key", join(work, "rsa.pub.yaml")], { backends, cwd: root });
    expect(sealed.code).toBe(0);
    expect(calls).toEqual([]);
    const es = doc(sealed.stdout);
    expect(es.spec.keyRef).toEqual({ provider: "rsa", key: "wrap-key", version: "4" });
    expect(es.spec.envelope).toMatchObject({ key: "wrap-key", keyVersion: "4", algorithm: "RSA-OAEP-256" });
    const opened = await cli(["open", "-"], { stdin: sealed.stdout, backends });
    expect(opened.stdout).toContain(`password: ${PASSWORD}`);
  });

  it("keeps following new versions with --key-version latest, and refuses flags that contradict the bundle", async () => {
    expect(doc((await sealLiterals(["--public-key", "rsa.pub.yaml", "--key-version", "latest"])).stdout).spec.keyRef.version).toBe("latest");
    const r = await sealLiterals(["--public-key", "rsa.pub.yaml", "--key", "other"]);
    expect(r.code).toBe(EXIT.usage);
    expect(r.stderr).toMatch(/--key does not match the public key bundle/);
  });

  it.each([
    ["not a bundle", "apiVersion: v1\nkind: Secret\n", /expected apiVersion envelope.dev\/v1alpha1, kind PublicKeyBundle/],
    ["an algorithm that cannot seal offline", (b: string) => b.replace("RSA-OAEP-256", "A256GCM"), /algorithm "A256GCM" cannot seal offline/],
    ["a broken PEM", (b: string) => b.replace(/(BEGIN PUBLIC KEY-----\n {2})..../, "$1AAAA"), /publicKey is not a PEM public key/],
  ])("refuses a bundle that is %s (exit 3)", async (_name, content, message) => {
    const bundle = await readFile(join(work, "rsa.pub.yaml"), "utf8");
    await writeFile(join(work, "bad.pub.yaml"), typeof content === "string" ? content : content(bundle));
    const r = await sealLiterals(["--public-key", "bad.pub.yaml"]);
    expect(r.stderr).toMatch(message);
    expect(r.code).toBe(EXIT.input);
  });
});

describe("keygen", () => {
  it("creates a 0600 key file and adds versions, printing each new version", async () => {
    expect((await cli(["keygen", "--key-file", "k/new.yaml", "--key", "a"])).stdout).toBe("1\n");
    expect((await cli(["keygen", "--key-file", "k/new.yaml", "--key", "a"])).stdout).toBe("2\n");
    expect((await cli(["keygen", "--key-file", "k/new.yaml", "--key", "b"])).stdout).toBe("1\n");
    expect((await stat(join(work, "k/new.yaml"))).mode & 0o777).toBe(0o600);
    expect((await stat(join(work, "k"))).mode & 0o777).toBe(0o700);
    const text = await readFile(join(work, "k/new.yaml"), "utf8");
    expect(text).toMatch(/^keys:\n {2}a:\n {4}"1": \S+\n {4}"2": \S+\n {2}b:\n {4}"1": \S+\n$/m);
  });

  it.each([
    [["keygen", "--key", "a"], EXIT.usage, /--key-file is required/],
    [["keygen", "--key-file", "x.yaml", "--key", "bad name"], EXIT.usage, /--key must match/],
  ])("rejects %j", async (argv, code, message) => {
    const r = await cli(argv);
    expect(r.code).toBe(code);
    expect(r.stderr).toMatch(message);
  });

  it("warns, without refusing, when a key file is readable by others", async () => {
    await cli(["keygen", "--key-file", "open-keys.yaml", "--key", "app"]);
    await chmod(join(work, "open-keys.yaml"), 0o644);
    await writeFile(join(root, "perm.yaml"), "providers: {loose: {local: {keyFile: repo/open-keys.yaml}}}\n");
    const r = await sealLiterals(["--config", join(root, "perm.yaml"), "--provider", "loose", "--key", "app"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^envelope: warning: provider loose: key file .*open-keys.yaml is readable by others \(mode 644\); run chmod 600\n$/);
  });

  it("refuses to extend a file that is not a key file", async () => {
    await writeFile(join(work, "notkeys.yaml"), "other: 1\n");
    const r = await cli(["keygen", "--key-file", "notkeys.yaml", "--key", "a"]);
    expect(r.code).toBe(EXIT.backend);
    expect(await readFile(join(work, "notkeys.yaml"), "utf8")).toBe("other: 1\n");
  });
});

describe("help and version", () => {
  it.each(COMMANDS.map((c) => c.name))("%s --help prints usage and exits 0", async (name) => {
    for (const argv of [[name, "--help"], [name, "-h"], ["help", name]]) {
      const r = await cli(argv);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Usage: envelope ${name}`));
    }
  });

  it("prints the command list, the version, and refuses unknown commands", async () => {
    expect((await cli([])).stdout).toMatch(/^Usage: envelope COMMAND/);
    expect((await cli(["--help"])).stdout).toContain("Exit codes: 0 ok, 1 verify");
    expect((await cli(["--version"])).stdout).toBe("envelope 9.9.9\n");
    const unknown = await cli(["seel"]);
    expect(unknown.code).toBe(EXIT.usage);
    expect(unknown.stderr).toBe('envelope: unknown command: "seel" (commands: seal, open, inspect, verify, edit, pubkey, keygen, rewrap, pull, status)\n');
  });
});

describe("no secret value on stderr", () => {
  it("appears in anything any command above wrote to stderr", () => {
    const all = stderrSeen.join("\n");
    expect(all.length).toBeGreaterThan(0);
    for (const s of SECRETS) expect(all).not.toContain(s);
  });
});
