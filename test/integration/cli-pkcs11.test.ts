// The CLI with a PKCS#11 provider on the testbed's SoftHSM2 token: seal/open under the AES KEK,
// export the RSA KEK's public key, seal offline with it (no PIN, no token access), open on the HSM.
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { requireComponent } from "../harness/testbed.ts";
import { runCli, type CliResult } from "../harness/cli.ts";

const hsm = requireComponent("pkcs11");
const VALUE = "cli-pkcs11-value-3b7c";

function envelope(cwd: string, args: string[], input = "", env: Record<string, string> = {}): Promise<CliResult> {
  return runCli(cwd, args, { input, env: { SOFTHSM2_CONF: hsm.conf, ...env } });
}

async function project(): Promise<string> {
  const dir = await mkdtemp(join(requireComponent("pkcs11").conf, "..", "cli-"));
  await writeFile(join(dir, ".envelope.yaml"), `providers:\n  hsm:\n    pkcs11: {module: ${hsm.module}, tokenLabel: ${hsm.tokenLabel}, pinEnv: HSM_PIN, rsaOaepHash: sha1}\n`);
  return dir;
}

describe("envelope CLI with a PKCS#11 provider (SoftHSM2)", () => {
  it("seals under the token's AES KEK and opens it again", async () => {
    const dir = await project();
    const sealed = await envelope(dir, ["seal", "--provider", "hsm", "--key", hsm.aesKeyLabel, "--key-version", "2", "--name", "db", "-n", "app", "--from-literal", `password=${VALUE}`], "", { HSM_PIN: hsm.pin });
    expect(sealed.stderr).toBe("");
    expect(sealed.code).toBe(0);
    expect(sealed.stdout).toContain("algorithm: AES-KWP");
    expect(sealed.stdout).not.toContain(VALUE);
    const opened = await envelope(dir, ["open", "-"], sealed.stdout, { HSM_PIN: hsm.pin });
    expect(opened.code).toBe(0);
    expect(opened.stdout).toContain(`password: ${VALUE}`);
    expect(`${sealed.stderr}${opened.stderr}`).not.toContain(hsm.pin);
  });

  it("exports the RSA KEK's public key, seals offline without the PIN, and the HSM opens it", async () => {
    const dir = await project();
    const exported = await envelope(dir, ["pubkey", "--provider", "hsm", "--key", hsm.rsaKeyLabel, "--key-version", "1", "-o", "rsa.pub.yaml"], "", { HSM_PIN: hsm.pin });
    expect(exported.code).toBe(0);
    expect(await readFile(join(dir, "rsa.pub.yaml"), "utf8")).toContain("algorithm: RSA-OAEP");
    // No HSM_PIN and no SOFTHSM2_CONF: the offline seal cannot reach the token.
    const sealed = await envelope(dir, ["seal", "--public-key", "rsa.pub.yaml", "--name", "db", "-n", "app", "--from-literal", `password=${VALUE}`], "", { SOFTHSM2_CONF: "/nonexistent" });
    expect(sealed.stderr).toBe("");
    expect(sealed.code).toBe(0);
    const opened = await envelope(dir, ["open", "-"], sealed.stdout, { HSM_PIN: hsm.pin });
    expect(opened.code).toBe(0);
    expect(opened.stdout).toContain(`password: ${VALUE}`);
  });

  it("names a missing PIN variable without touching the token", async () => {
    const dir = await project();
    const r = await envelope(dir, ["seal", "--provider", "hsm", "--key", hsm.aesKeyLabel, "--name", "db", "-n", "app", "--from-literal", `password=${VALUE}`]);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/HSM_PIN/);
  });
});
