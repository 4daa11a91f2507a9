// local-kms answers like AWS KMS through @aws-sdk/client-kms: encryption context enforced, backing-key
// rotation, ReEncrypt between keys, RSA-OAEP-256 with a locally used public key, DisableKey enforced.
import { constants, createPublicKey, publicEncrypt } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { DecryptCommand, DisableKeyCommand, EnableKeyCommand, EncryptCommand, GenerateDataKeyCommand, GetPublicKeyCommand, KMSClient, ReEncryptCommand } from "@aws-sdk/client-kms";
import { requireComponent } from "../harness/testbed.ts";

const aws = requireComponent("aws");
const kms = new KMSClient({ endpoint: aws.endpoint, region: aws.region, credentials: { accessKeyId: aws.accessKeyId, secretAccessKey: aws.secretAccessKey } });
const context = { "envelope.dev/namespace": "app", "envelope.dev/name": "db" };
const plaintext = Buffer.from("smoke-plaintext");

const errorName = (p: Promise<unknown>): Promise<string | undefined> => p.then(() => undefined, (e: unknown) => (e as Error).name);

describe("local-kms (AWS KMS)", () => {
  afterAll(() => kms.destroy());

  it("round-trips Encrypt/Decrypt with an encryption context and rejects another context", async () => {
    const { CiphertextBlob } = await kms.send(new EncryptCommand({ KeyId: aws.symmetricAlias, Plaintext: plaintext, EncryptionContext: context }));
    const out = await kms.send(new DecryptCommand({ CiphertextBlob, EncryptionContext: context }));
    expect(Buffer.from(out.Plaintext!)).toEqual(plaintext);
    expect(out.KeyId).toContain(aws.symmetricKeyId);
    expect(await errorName(kms.send(new DecryptCommand({ CiphertextBlob, EncryptionContext: { ...context, "envelope.dev/namespace": "other" } })))).toBe("InvalidCiphertextException");
  });

  it("generates data keys and re-encrypts from one key to another without exposing the plaintext", async () => {
    const dk = await kms.send(new GenerateDataKeyCommand({ KeyId: aws.symmetricAlias, KeySpec: "AES_256", EncryptionContext: context }));
    expect(dk.Plaintext).toHaveLength(32);
    const moved = await kms.send(new ReEncryptCommand({ CiphertextBlob: dk.CiphertextBlob, SourceEncryptionContext: context, DestinationKeyId: aws.secondAlias, DestinationEncryptionContext: context }));
    const out = await kms.send(new DecryptCommand({ CiphertextBlob: moved.CiphertextBlob, EncryptionContext: context }));
    expect(Buffer.from(out.Plaintext!)).toEqual(Buffer.from(dk.Plaintext!));
    expect(out.KeyId).toContain(aws.secondKeyId);
  });

  it("decrypts RSAES_OAEP_SHA_256 made offline with the key's public key", async () => {
    const { PublicKey } = await kms.send(new GetPublicKeyCommand({ KeyId: aws.rsaAlias }));
    const key = createPublicKey({ key: Buffer.from(PublicKey!), format: "der", type: "spki" });
    expect(key.asymmetricKeyDetails?.modulusLength).toBe(3072);
    const wrapped = publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256" }, plaintext);
    const out = await kms.send(new DecryptCommand({ KeyId: aws.rsaAlias, CiphertextBlob: wrapped, EncryptionAlgorithm: "RSAES_OAEP_SHA_256" }));
    expect(Buffer.from(out.Plaintext!)).toEqual(plaintext);
  });

  it("refuses to use a disabled key", async () => {
    const { CiphertextBlob } = await kms.send(new EncryptCommand({ KeyId: aws.secondAlias, Plaintext: plaintext, EncryptionContext: context }));
    await kms.send(new DisableKeyCommand({ KeyId: aws.secondKeyId }));
    try {
      // local-kms answers a Decrypt of a disabled key with AccessDeniedException (AWS: DisabledException).
      expect(await errorName(kms.send(new DecryptCommand({ CiphertextBlob, EncryptionContext: context })))).toMatch(/^(DisabledException|AccessDeniedException)$/);
      expect(await errorName(kms.send(new EncryptCommand({ KeyId: aws.secondKeyId, Plaintext: plaintext })))).toBe("DisabledException");
    } finally {
      await kms.send(new EnableKeyCommand({ KeyId: aws.secondKeyId }));
    }
  });
});
