// What the Dockerfile does, replayed without a Docker engine: a production install (npm ci without
// scripts, the native PKCS#11 addon rebuilt, dist/ built, dev dependencies pruned) in a scratch
// directory, then the controller entry point starts on Node 24 and prints its usage.
import { cpSync, mkdtempSync, rmSync, existsSync } from "node:fs";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { afterAll, describe, expect, it } from "vitest";

const exec = promisify(execFile);
const REPO = join(import.meta.dirname, "..", "..");
const dir = mkdtempSync(join(tmpdir(), "envelope-image-"));

async function npm(args: string[]): Promise<void> {
  // Node 24 first on PATH, so npm and node-gyp run on the runtime the image has.
  const env = { ...process.env, PATH: `${join(process.execPath, "..")}:${process.env.PATH ?? ""}` };
  await exec("npm", args, { cwd: dir, env, maxBuffer: 32 * 1024 * 1024 });
}

describe("production install layout (the Dockerfile's steps)", () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("installs without dev dependencies, loads the PKCS#11 addon, and starts the controller entry point", async () => {
    for (const f of ["package.json", "package-lock.json", "tsconfig.json", "tsconfig.build.json", "src"]) cpSync(join(REPO, f), join(dir, f), { recursive: true });
    await npm(["ci", "--ignore-scripts", "--no-audit", "--no-fund"]);
    await npm(["rebuild", "pkcs11js"]);
    await npm(["run", "build"]);
    await npm(["prune", "--omit=dev", "--ignore-scripts", "--no-audit", "--no-fund"]);
    expect(existsSync(join(dir, "node_modules", "typescript"))).toBe(false);
    expect(existsSync(join(dir, "node_modules", "vitest"))).toBe(false);
    const addon = await exec(process.execPath, ["-e", "require('pkcs11js'); console.log('loaded')"], { cwd: dir });
    expect(addon.stdout.trim()).toBe("loaded");
    rmSync(join(dir, "src"), { recursive: true });
    const help = await exec(process.execPath, ["--enable-source-maps", "dist/main.js", "--help"], { cwd: dir });
    expect(help.stdout).toContain("Usage: envelope-operator");
    expect(help.stdout).toContain("--leader-elect");
  }, 600_000);
});
