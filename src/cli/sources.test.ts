import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputError, UsageError } from "./errors.ts";
import type { CliIo } from "./io.ts";
import { parseEnvFile, readSources } from "./sources.ts";

let dir: string;
let io: CliIo;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "envelope-sources-"));
  await writeFile(join(dir, "tls.crt"), "CERT");
  await writeFile(join(dir, "app.env"), "\uFEFF# comment\n\nUSER=admin\n  PASSWORD=a=b=c\r\nEMPTY=\n");
  await writeFile(join(dir, "dup.env"), "password=one\n");
  const none = (): never => {
    throw new Error("not used");
  };
  io = { stdin: none, stdinIsTTY: false, stdout: { write: none }, stderr: { write: none }, env: {}, cwd: dir, tmpdir: dir, version: "test" };
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const text = (m: Map<string, Buffer>): Record<string, string> => Object.fromEntries([...m].map(([k, v]) => [k, v.toString()]));

describe("values from flags", () => {
  it("reads literals, files (key = base name or given) and env files", async () => {
    const values = await readSources(io, { literals: ["password=s3=cr3t"], files: ["tls.crt", "ca=tls.crt"], envFiles: ["app.env"] });
    expect(text(values)).toEqual({ password: "s3=cr3t", "tls.crt": "CERT", ca: "CERT", USER: "admin", PASSWORD: "a=b=c", EMPTY: "" });
  });

  it.each([
    ["two literals", { literals: ["password=a", "password=b"], files: [], envFiles: [] }],
    ["a literal and a file", { literals: ["tls.crt=a"], files: ["tls.crt"], envFiles: [] }],
    ["a literal and an env file", { literals: ["password=a"], files: [], envFiles: ["dup.env"] }],
  ])("rejects a key given twice by %s", async (_name, sources) => {
    const err = await readSources(io, sources).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(/key "(password|tls.crt)" is given more than once/);
  });

  it("names a literal without '=' by position, not by content", async () => {
    const err = (await readSources(io, { literals: ["a=1", "s3cr3t"], files: [], envFiles: [] }).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toBe("--from-literal #2: expected KEY=VALUE");
  });

  it("reports a missing file as an input error", async () => {
    await expect(readSources(io, { literals: [], files: ["nope"], envFiles: [] })).rejects.toBeInstanceOf(InputError);
  });

  it("names the line of a bad env file, not its content", () => {
    const err = (() => {
      try {
        parseEnvFile("x.env", "A=1\ns3cr3t\n", new Map());
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(InputError);
    expect(err?.message).toBe("x.env: line 2: expected KEY=VALUE");
  });
});
