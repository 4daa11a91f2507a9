// `envelope rewrap` on files as a user runs it (real CLI process, local key file): only the wrapped
// key, its version and keyRef.version change; values, comments and other documents are kept; the
// result opens to the same value; running it again changes nothing.
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { runCli, type CliResult } from "../harness/cli.ts";

const VALUE = "rewrap-value-c41d";

const envelope = (cwd: string, args: string[]): Promise<CliResult> => runCli(cwd, args);

describe("envelope rewrap", () => {
  it("moves the data key to a new KEK version and keeps values, comments and other documents", async () => {
    const dir = await mkdtemp(join(tmpdir(), "envelope-rewrap-"));
    await writeFile(join(dir, ".envelope.yaml"), "providers:\n  dev:\n    local: {keyFile: keys.yaml}\nrules:\n  - provider: dev\n    key: app\n    keyVersion: \"1\"\n");
    expect((await envelope(dir, ["keygen", "--key-file", "keys.yaml", "--key", "app"])).code).toBe(0);
    const sealed = await envelope(dir, ["seal", "--name", "db", "-n", "app", "--from-literal", `password=${VALUE}`]);
    expect(sealed.code).toBe(0);
    const other = "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: unrelated}\ndata: {a: b}\n";
    await writeFile(join(dir, "db.enc.yaml"), `# keep this comment\n${sealed.stdout}${other}`);
    expect((await envelope(dir, ["keygen", "--key-file", "keys.yaml", "--key", "app"])).stdout).toContain("2");

    const first = await envelope(dir, ["rewrap", "db.enc.yaml", "--key-version", "2"]);
    expect(first.stderr).toBe("");
    expect(first.stdout).toContain("1 rewrapped, 0 up to date");
    const text = await readFile(join(dir, "db.enc.yaml"), "utf8");
    expect(text).toContain("# keep this comment");
    expect(text).toContain("name: unrelated");
    const [before, after] = [parseAllDocuments(sealed.stdout)[0]!.toJS(), parseAllDocuments(text)[0]!.toJS()] as { spec: { keyRef: { version: string }; envelope: Record<string, string>; encryptedData: unknown } }[];
    expect(after!.spec.encryptedData).toEqual(before!.spec.encryptedData);
    expect(after!.spec.envelope.commitment).toBe(before!.spec.envelope.commitment);
    expect(after!.spec.envelope.keyVersion).toBe("2");
    expect(after!.spec.envelope.wrappedKey).not.toBe(before!.spec.envelope.wrappedKey);
    expect(after!.spec.keyRef.version).toBe("2");
    // `open` takes one document: the rewrapped EncryptedSecret alone still opens to the same value.
    await writeFile(join(dir, "single.yaml"), parseAllDocuments(text)[0]!.toString());
    expect((await envelope(dir, ["open", "single.yaml"])).stdout).toContain(`password: ${VALUE}`);

    const second = await envelope(dir, ["rewrap", "db.enc.yaml", "--key-version", "2"]);
    expect(second.stdout).toContain("0 rewrapped, 1 up to date");
    expect(await readFile(join(dir, "db.enc.yaml"), "utf8")).toBe(text);
  });

  it("refuses a version that does not exist and leaves the file untouched", async () => {
    const dir = await mkdtemp(join(tmpdir(), "envelope-rewrap-"));
    await writeFile(join(dir, ".envelope.yaml"), "providers:\n  dev:\n    local: {keyFile: keys.yaml}\nrules:\n  - provider: dev\n    key: app\n");
    await envelope(dir, ["keygen", "--key-file", "keys.yaml", "--key", "app"]);
    const sealed = await envelope(dir, ["seal", "--name", "db", "-n", "app", "--from-literal", `password=${VALUE}`, "-o", "db.enc.yaml"]);
    expect(sealed.code).toBe(0);
    const before = await readFile(join(dir, "db.enc.yaml"), "utf8");
    const r = await envelope(dir, ["rewrap", "db.enc.yaml", "--key-version", "9"]);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/version 9/);
    expect(await readFile(join(dir, "db.enc.yaml"), "utf8")).toBe(before);
  });
});
