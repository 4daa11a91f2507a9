import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputError, OutputError } from "./errors.ts";
import { decodeUtf8, readBounded, writeFileAtomic } from "./io.ts";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "envelope-io-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("atomic writes", () => {
  it("replaces the file with exactly the new content and the requested mode, whatever the umask", async () => {
    const path = join(dir, "out.yaml");
    await writeFile(path, "old content that is longer than the new one\n", { mode: 0o600 });
    await writeFileAtomic(path, "new\n", 0o644);
    expect(await readFile(path, "utf8")).toBe("new\n");
    expect((await stat(path)).mode & 0o777).toBe(0o644);
    await writeFileAtomic(path, "key\n", 0o600);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await readdir(dir)).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("leaves no partial or temp file when the final rename fails, and the target untouched", async () => {
    const target = join(dir, "is-a-directory");
    await mkdir(target);
    await writeFile(join(target, "inside"), "kept");
    const err = await writeFileAtomic(target, "x".repeat(100_000), 0o644).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutputError);
    expect((err as Error).message).toMatch(/cannot write .*is-a-directory: E/);
    expect(await readFile(join(target, "inside"), "utf8")).toBe("kept");
    expect((await readdir(dir)).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("creates nothing when the directory does not exist", async () => {
    await expect(writeFileAtomic(join(dir, "missing", "out.yaml"), "x", 0o644)).rejects.toBeInstanceOf(OutputError);
    expect(await readdir(dir)).not.toContain("missing");
  });
});

describe("bounded reads", () => {
  it("reads a stream to its end", async () => {
    expect((await readBounded(Readable.from([Buffer.from("ab"), Buffer.from("c")]))).toString()).toBe("abc");
  });

  it("refuses a stream over the limit", async () => {
    await expect(readBounded(Readable.from([Buffer.alloc(10), Buffer.alloc(10)]), 15)).rejects.toBeInstanceOf(InputError);
  });

  it("refuses invalid UTF-8 without showing the bytes", () => {
    expect(() => decodeUtf8("input", Buffer.from([0x61, 0xff]))).toThrow(/^input: not valid UTF-8$/);
  });
});
