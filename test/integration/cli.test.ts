// The `envelope` CLI as a user runs it: the real entry point (`node src/cli/main.ts`) in a child
// process, in a scratch project with a keygen'd local key file and a .envelope.yaml. Covers the
// seal → open → inspect → verify → edit journey, every bad input with its exit code and message, the
// docs/quickstart.md commands verbatim, the kubectl plugin name and the built entry point. Needs no
// testbed server (the local backend is a file). Finally no error output may contain a test secret.
import { spawn, spawnSync } from "node:child_process";
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const REPO = join(import.meta.dirname, "..", "..");
const MAIN = join(REPO, "src", "cli", "main.ts");
const PASSWORD = "Integr4tion-s3cr3t-pw";
const USERNAME = "integration-admin-42";
const NEW_PASSWORD = "Ch4nged-by-the-editor";
const PLAINTEXTS = [PASSWORD, USERNAME, NEW_PASSWORD, ...[PASSWORD, USERNAME, NEW_PASSWORD].map((s) => Buffer.from(s).toString("base64"))];

interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

let dir: string;
let project: string;
let editTmp: string;
let shims: string;
/** Output of every command that was expected to fail. */
const failures: Result[] = [];

function baseEnv(): NodeJS.ProcessEnv {
  // Only what a shell user would have; no inherited EDITOR/VISUAL or KUBECONFIG surprises.
  return { PATH: `${shims}${delimiter}${process.env.PATH ?? ""}`, HOME: dir, TMPDIR: editTmp, LANG: "C.UTF-8" };
}

function runProcess(command: string, args: readonly string[], input: string | undefined, env: NodeJS.ProcessEnv, cwd = project): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input ?? "");
  });
}

/** `envelope ARGS…` exactly as the bin runs it: Node 24 on the TypeScript entry point. */
function envelope(args: readonly string[], opts: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<Result> {
  return runProcess(process.execPath, [MAIN, ...args], opts.input, { ...baseEnv(), ...opts.env }, opts.cwd);
}

async function expectFailure(result: Promise<Result>, code: number, message: RegExp): Promise<Result> {
  const r = await result;
  failures.push(r);
  expect(r.stderr).toMatch(/^envelope: /);
  expect(r.stderr).toMatch(message);
  expect(r.code).toBe(code);
  return r;
}

const hasKubectl = spawnSync("kubectl", ["version", "--client"], { stdio: "ignore" }).status === 0;

/** What `kubectl create secret generic web --from-literal=… --dry-run=client -o yaml` prints. */
const KUBECTL_MANIFEST = `apiVersion: v1
data:
  password: ${Buffer.from(PASSWORD).toString("base64")}
  username: ${Buffer.from(USERNAME).toString("base64")}
kind: Secret
metadata:
  creationTimestamp: null
  name: web
`;

const CONFIG = `providers:
  dev:
    local: {keyFile: keys/local.yaml}
rules:
  - provider: dev
    key: app
`;

async function editorScript(name: string, body: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, `#!/bin/sh\n${body}\n`);
  await chmod(path, 0o755);
  return path;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "envelope-cli-it-"));
  project = join(dir, "project");
  editTmp = join(dir, "tmp");
  shims = join(dir, "bin");
  await Promise.all([mkdir(project), mkdir(editTmp), mkdir(shims)]);
  // `envelope` and `kubectl-envelope` on PATH, as `npm link` would install them.
  for (const name of ["envelope", "kubectl-envelope"]) {
    await writeFile(join(shims, name), `#!/bin/sh\nexec "${process.execPath}" "${MAIN}" "$@"\n`);
    await chmod(join(shims, name), 0o755);
  }
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("envelope CLI, end to end in a child process", () => {
  it("keygen creates a private key file and prints the version", async () => {
    const first = await envelope(["keygen", "--key-file", "keys/local.yaml", "--key", "app"]);
    expect(first).toMatchObject({ code: 0, stdout: "1\n" });
    expect((await envelope(["keygen", "--key-file", "keys/local.yaml", "--key", "app"])).stdout).toBe("2\n");
    expect((await stat(join(project, "keys/local.yaml"))).mode & 0o777).toBe(0o600);
    await writeFile(join(project, ".envelope.yaml"), CONFIG);
  });

  it("seals from --from-literal and from a kubectl manifest on stdin", async () => {
    const literal = await envelope(["seal", "--name", "db", "--namespace", "prod", "--from-literal", `password=${PASSWORD}`, "--from-literal", `username=${USERNAME}`, "-o", "db.enc.yaml"]);
    expect(literal).toEqual({ code: 0, stdout: "", stderr: "" });
    const piped = await envelope(["seal", "-n", "prod"], { input: KUBECTL_MANIFEST });
    expect(piped.code).toBe(0);
    expect(piped.stdout).toMatch(/^apiVersion: envelope.dev\/v1alpha1\nkind: EncryptedSecret\nmetadata:\n {2}name: web\n {2}namespace: prod\nspec:\n {2}keyRef:\n/);
    await writeFile(join(project, "web.enc.yaml"), piped.stdout);
    for (const file of ["db.enc.yaml", "web.enc.yaml"]) {
      const text = await readFile(join(project, file), "utf8");
      for (const s of PLAINTEXTS) expect(text).not.toContain(s);
    }
  });

  it("open gives back the values", async () => {
    const r = await envelope(["open", "db.enc.yaml"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: prod\ntype: Opaque\nstringData:\n  password: ${PASSWORD}\n  username: ${USERNAME}\n`);
    expect((await envelope(["open", "-"], { input: await readFile(join(project, "web.enc.yaml"), "utf8") })).stdout).toContain(`password: ${PASSWORD}\n`);
  });

  it("inspect shows the metadata and no value", async () => {
    const r = await envelope(["inspect", "db.enc.yaml"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("keyRef:       provider dev, key app, version latest");
    expect(r.stdout).toContain("envelope:     format v1, key app, version 2, algorithm A256GCM");
    expect(r.stdout).toContain("scope:        strict (bound to prod/db)");
    expect(r.stdout).toMatch(/password {2}21 bytes\n {2}username {2}20 bytes/);
    const json = await envelope(["inspect", "db.enc.yaml", "-o", "json"]);
    expect(JSON.parse(json.stdout)).toMatchObject({ object: { namespace: "prod", name: "db" }, envelope: { keyVersion: "2", scope: "strict" } });
    for (const s of PLAINTEXTS) expect(r.stdout + json.stdout).not.toContain(s);
  });

  describe("verify (offline, for CI)", () => {
    beforeAll(async () => {
      await mkdir(join(project, "ci"));
      const db = await readFile(join(project, "db.enc.yaml"), "utf8");
      await writeFile(join(project, "ci", "db.enc.yaml"), db);
      await writeFile(join(project, "ci", "copied.enc.yaml"), db.replace("  namespace: prod\nspec:", "  namespace: staging\nspec:"));
      const old = await envelope(["seal", "--name", "old", "-n", "prod", "--key-version", "1", "--from-literal", `password=${PASSWORD}`, "-o", "old.enc.yaml"]);
      expect(old.code).toBe(0);
    });

    it("passes a good file", async () => {
      expect(await envelope(["verify", "ci/db.enc.yaml", "--allow-provider", "dev", "--allow-key", "app", "--min-version", "2"])).toEqual({
        code: 0,
        stdout: "PASS ci/db.enc.yaml: prod/db\n1 passed, 0 failed, 0 other documents skipped\n",
        stderr: "",
      });
    });

    it.each([
      ["the file copied with another metadata.namespace", ["ci"], 'FAIL ci/copied.enc.yaml: staging/db: envelope sealed for namespace "prod" but the object is in namespace "staging"'],
      ["a key below --min-version", ["old.enc.yaml", "--min-version", "2"], "FAIL old.enc.yaml: prod/old: envelope.keyVersion 1 is below the minimum version 2; keyRef.version 1 is below the minimum version 2"],
      ["a provider not on --allow-provider", ["db.enc.yaml", "--allow-provider", "aws-prod"], 'FAIL db.enc.yaml: prod/db: provider "dev" is not allowed (--allow-provider aws-prod)'],
    ])("fails %s (exit 1, reason printed)", async (_name, args, line) => {
      const r = await envelope(["verify", ...args]);
      failures.push(r);
      expect(r.stdout.split("\n")).toContain(line);
      expect(r.code).toBe(1);
    });

    it("does not detect a tampered value: it decrypts nothing (documented; open does)", async () => {
      const tampered = (await readFile(join(project, "db.enc.yaml"), "utf8")).replace(/(password: )(.)/, (_m, p: string, c: string) => `${p}${c === "A" ? "B" : "A"}`);
      expect((await envelope(["verify", "-"], { input: tampered })).code).toBe(0);
    });
  });

  describe("edit", () => {
    it("re-seals a changed value with a fresh data key, through a private temp file that is gone afterwards", async () => {
      const log = join(dir, "editor.log");
      const editor = await editorScript("change.sh", `stat -c '%a %n' "$1" "$(dirname "$1")" > "${log}"\nsed -i 's/${PASSWORD}/${NEW_PASSWORD}/' "$1"`);
      const before = await readFile(join(project, "db.enc.yaml"), "utf8");
      const r = await envelope(["edit", "db.enc.yaml"], { env: { EDITOR: editor } });
      expect(r).toMatchObject({ code: 0, stdout: "" });
      const after = await readFile(join(project, "db.enc.yaml"), "utf8");
      const commitment = (t: string): string | undefined => /commitment: (\S+)/.exec(t)?.[1];
      expect(commitment(after)).not.toBe(commitment(before));
      expect((await envelope(["open", "db.enc.yaml"])).stdout).toContain(`password: ${NEW_PASSWORD}\n`);
      const [fileLine, dirLine] = (await readFile(log, "utf8")).trim().split("\n");
      expect(fileLine).toMatch(new RegExp(`^600 ${editTmp}/envelope-edit-\\w+/secret.yaml$`));
      expect(dirLine).toMatch(/^700 /);
      expect(await readdir(editTmp)).toEqual([]);
    });

    it("leaves the file byte-identical when the editor changes nothing", async () => {
      const before = await readFile(join(project, "db.enc.yaml"));
      const r = await envelope(["edit", "db.enc.yaml"], { env: { EDITOR: await editorScript("noop.sh", "exit 0") } });
      expect(r.code).toBe(0);
      expect(r.stderr).toBe("envelope: no changes; db.enc.yaml left unchanged\n");
      expect(await readFile(join(project, "db.enc.yaml"))).toEqual(before);
      expect(await readdir(editTmp)).toEqual([]);
    });

    it("leaves the file untouched and the temp file gone when the editor fails", async () => {
      const before = await readFile(join(project, "db.enc.yaml"));
      const editor = await editorScript("fail.sh", `sed -i 's/${NEW_PASSWORD}/lost/' "$1"\nexit 3`);
      await expectFailure(envelope(["edit", "db.enc.yaml"], { env: { EDITOR: editor } }), 5, /the editor exited with status 3; db.enc.yaml left unchanged/);
      expect(await readFile(join(project, "db.enc.yaml"))).toEqual(before);
      expect(await readdir(editTmp)).toEqual([]);
    });
  });

  it("pubkey on a local provider fails with the clear 'symmetric' error (exit 4)", async () => {
    await expectFailure(envelope(["pubkey", "--provider", "dev", "--key", "app"]), 4, /the KEK is symmetric and has no public key/);
  });

  describe("bad input gets a specific error and a non-zero exit", () => {
    const sealed = (): Promise<string> => readFile(join(project, "db.enc.yaml"), "utf8");
    const write = async (name: string, text: string): Promise<string> => {
      await writeFile(join(project, name), text);
      return name;
    };

    it("tampered ciphertext: open exits 3 and names the key", async () => {
      const file = await write("tampered.enc.yaml", (await sealed()).replace(/(username: )(.)/, (_m, p: string, c: string) => `${p}${c === "A" ? "B" : "A"}`));
      await expectFailure(envelope(["open", file]), 3, /tampered.enc.yaml: value "username" failed authentication/);
    });

    it("wrong namespace: open exits 3 before any key is used", async () => {
      const file = await write("moved.enc.yaml", (await sealed()).replace("  namespace: prod\nspec:", "  namespace: staging\nspec:"));
      await expectFailure(envelope(["open", file]), 3, /moved.enc.yaml: envelope sealed for namespace "prod" but the object is in namespace "staging"/);
    });

    it("unknown format version", async () => {
      const file = await write("v9.enc.yaml", (await sealed()).replace("format: v1", "format: v9"));
      await expectFailure(envelope(["open", file]), 3, /spec.envelope.format: unsupported envelope format "v9"/);
    });

    it("bad base64 in an EncryptedSecret and in a Secret's data", async () => {
      const file = await write("b64.enc.yaml", (await sealed()).replace(/(password: )./, "$1-"));
      await expectFailure(envelope(["open", file]), 3, /spec.encryptedData\["password"\]: not canonical standard base64/);
      await expectFailure(envelope(["seal", "-n", "prod"], { input: KUBECTL_MANIFEST.replace(/password: \S+/, `password: ${PASSWORD}`) }), 3, /data\["password"\] is not valid base64/);
    });

    it("malformed YAML (without quoting the source)", async () => {
      await expectFailure(envelope(["seal", "-n", "prod"], { input: `${KUBECTL_MANIFEST}  token: [${PASSWORD}\n` }), 3, /standard input: malformed YAML: \w+ at line \d+, column \d+/);
    });

    it("a multi-document stream given to seal", async () => {
      await expectFailure(envelope(["seal", "-n", "prod"], { input: `${KUBECTL_MANIFEST}---\n${KUBECTL_MANIFEST}` }), 3, /2 YAML documents, expected exactly one/);
    });

    it("a missing key version", async () => {
      await expectFailure(envelope(["seal", "-n", "prod", "--key-version", "7"], { input: KUBECTL_MANIFEST }), 4, /local key "app" has no version 7 \(versions: 1, 2\)/);
    });

    it("an unknown provider", async () => {
      await expectFailure(envelope(["seal", "-n", "prod", "--provider", "aws-prod", "--key", "alias/app"], { input: KUBECTL_MANIFEST }), 4, /provider "aws-prod" is not configured/);
    });

    it("a value over 1 MiB", async () => {
      await writeFile(join(project, "big.bin"), Buffer.alloc(1_048_577, 0x61));
      await expectFailure(envelope(["seal", "--name", "big", "-n", "prod", "--from-file", "big.bin"]), 3, /1048577 bytes of data, above the Kubernetes Secret limit of 1048576 bytes/);
    });

    it("bad usage exits 2", async () => {
      await expectFailure(envelope(["seal", "--from-literal", "password", PASSWORD]), 2, /cannot be combined/);
      await expectFailure(envelope(["frobnicate"]), 2, /unknown command/);
    });

    it("no captured output of any failing command contains a test secret", () => {
      expect(failures.length).toBeGreaterThanOrEqual(15);
      for (const { stdout, stderr } of failures) for (const s of PLAINTEXTS) expect(stdout + stderr).not.toContain(s);
    });
  });
});

describe("docs/quickstart.md, run verbatim", () => {
  it("seals and opens a secret with the local backend", async () => {
    const quickstart = join(dir, "quickstart");
    await mkdir(quickstart);
    const doc = await readFile(join(REPO, "docs", "quickstart.md"), "utf8");
    const blocks = [...doc.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? "");
    expect(blocks.length).toBeGreaterThanOrEqual(4);
    const runnable = blocks.filter((b) => hasKubectl || !b.includes("kubectl "));
    const r = await runProcess("/bin/sh", ["-ec", runnable.join("\n")], undefined, baseEnv(), quickstart);
    expect(r.stderr).not.toMatch(/^envelope: (?!added version)/m);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^1\n/);
    expect(r.stdout).toContain("binding:      matches the object's metadata");
    expect(r.stdout).toContain(`PASS db.enc.yaml: default/db`);
    expect(r.stdout).toMatch(/stringData:\n {2}password: s3cr3t\n$/);
    if (hasKubectl) expect((await envelope(["open", "api.enc.yaml"], { cwd: quickstart })).stdout).toContain("token: t0ken");
    expect(await readFile(join(quickstart, ".gitignore"), "utf8")).toBe(".envelope/\n");
  });
});

describe("installed entry points", () => {
  it.skipIf(!hasKubectl)("works as a kubectl plugin (kubectl-envelope on PATH)", async () => {
    const r = await runProcess("kubectl", ["envelope", "--help"], undefined, baseEnv());
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: envelope COMMAND/);
  });

  it("builds to a dist/cli/main.js that keeps its shebang and runs on Node 24", async () => {
    // Built next to node_modules so `yaml` resolves, as in the installed package.
    const out = join(REPO, "node_modules", ".cache", `envelope-cli-it-${process.pid}`);
    try {
      const tsc = await runProcess(process.execPath, [join(REPO, "node_modules", "typescript", "bin", "tsc"), "-p", join(REPO, "tsconfig.build.json"), "--outDir", out], undefined, process.env, REPO);
      expect(tsc.stdout + tsc.stderr).toBe("");
      const main = join(out, "cli", "main.js");
      expect((await readFile(main, "utf8")).split("\n")[0]).toBe("#!/usr/bin/env node");
      const help = await runProcess(process.execPath, [main, "--help"], undefined, baseEnv());
      expect(help.code).toBe(0);
      expect(help.stdout).toContain("Usage: envelope COMMAND");
      expect((await runProcess(process.execPath, [main, "--version"], undefined, baseEnv())).stdout).toMatch(/^envelope \d+\.\d+\.\d+\n$/);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  }, 120_000);
});
