// Finding KEKs on the token.
//
// Naming convention (document it for HSM administrators): CKA_LABEL = the KEK id (keyRef.key), and
// CKA_ID = the version as a UTF-8 decimal string ("1", "2", …). "latest" is the highest such CKA_ID among
// the key objects carrying the label; objects whose CKA_ID is not a positive decimal are ignored.
// A version is one AES secret key, or one RSA key pair (public and private key objects sharing label and
// CKA_ID; the public half wraps and exports, the private half unwraps, either may be absent).
// Certificates and data objects with the same label are ignored.
//
// Object handles of token objects stay valid for the application's lifetime, so they are cached per
// label/version; a handle the token no longer knows is dropped and looked up again by the caller.
import { KeyNotFoundError, KeyVersionNotFoundError, ProviderMisconfiguredError } from "../../errors.ts";
import type { KekRef } from "../types.ts";
import { call, readUlong, type Handle, type Template } from "./api.ts";
import type { TokenConnection } from "./module.ts";

export type Kek =
  | { readonly kind: "aes"; readonly secret: Handle }
  | { readonly kind: "rsa"; readonly publicKey: Handle | undefined; readonly privateKey: Handle | undefined; readonly modulus: Buffer; readonly exponent: Buffer };

interface KeyObject {
  readonly handle: Handle;
  readonly cls: number;
}

const VERSION = /^[1-9][0-9]{0,8}$/;
const MAX_OBJECTS = 1000;

export class KeyDirectory {
  private readonly connection: TokenConnection;
  private readonly cache = new Map<string, Kek>();

  constructor(connection: TokenConnection) {
    this.connection = connection;
  }

  resolve(session: Handle, kek: KekRef): Kek {
    const id = cacheKey(kek);
    const cached = this.cache.get(id);
    if (cached !== undefined) return cached;
    const objects = this.keyObjects(session, [
      { type: this.connection.binding.CKA_LABEL, value: kek.key },
      { type: this.connection.binding.CKA_ID, value: Buffer.from(kek.version, "utf8") },
    ]);
    if (objects.length === 0) throw this.missing(session, kek);
    const found = this.describe(session, kek, objects);
    this.cache.set(id, found);
    return found;
  }

  forget(kek: KekRef): void {
    this.cache.delete(cacheKey(kek));
  }

  /** Versions of `label`, highest last. */
  versions(session: Handle, label: string): string[] {
    const b = this.connection.binding;
    const objects = this.keyObjects(session, [{ type: b.CKA_LABEL, value: label }]);
    if (objects.length === 0) throw new KeyNotFoundError(`no PKCS#11 key labelled "${label}" on token "${this.connection.tokenLabel}"`);
    const ids = new Set<string>();
    for (const { handle } of objects) {
      const id = this.attribute(session, handle, b.CKA_ID).toString("utf8");
      if (VERSION.test(id)) ids.add(id);
    }
    if (ids.size === 0) {
      throw new ProviderMisconfiguredError(`PKCS#11 key objects labelled "${label}" on token "${this.connection.tokenLabel}" have no decimal CKA_ID; the pkcs11 backend names versions by CKA_ID "1", "2", …`);
    }
    return [...ids].sort((a, b2) => Number(a) - Number(b2));
  }

  private describe(session: Handle, kek: KekRef, objects: readonly KeyObject[]): Kek {
    const b = this.connection.binding;
    const of = (cls: number): Handle[] => objects.filter((o) => o.cls === cls).map((o) => o.handle);
    const [secrets, publics, privates] = [of(b.CKO_SECRET_KEY), of(b.CKO_PUBLIC_KEY), of(b.CKO_PRIVATE_KEY)];
    const [secret] = secrets;
    if (secret !== undefined && secrets.length === 1 && publics.length + privates.length === 0) {
      if (readUlong(this.attribute(session, secret, b.CKA_KEY_TYPE)) !== b.CKK_AES) throw this.unsupported(kek, "a secret key that is not AES");
      return { kind: "aes", secret };
    }
    if (secrets.length === 0 && publics.length <= 1 && privates.length <= 1) return this.rsa(session, kek, publics[0], privates[0]);
    throw this.unsupported(kek, `${secrets.length} secret, ${publics.length} public and ${privates.length} private key objects`);
  }

  private rsa(session: Handle, kek: KekRef, publicKey: Handle | undefined, privateKey: Handle | undefined): Kek {
    const b = this.connection.binding;
    const any = publicKey ?? privateKey;
    if (any === undefined || readUlong(this.attribute(session, any, b.CKA_KEY_TYPE)) !== b.CKK_RSA) throw this.unsupported(kek, "an asymmetric key that is not RSA");
    const modulus = this.attribute(session, any, b.CKA_MODULUS);
    const exponent = this.attribute(session, any, b.CKA_PUBLIC_EXPONENT);
    return { kind: "rsa", publicKey, privateKey, modulus, exponent };
  }

  private unsupported(kek: KekRef, what: string): ProviderMisconfiguredError {
    return new ProviderMisconfiguredError(
      `PKCS#11 key "${kek.key}" version ${kek.version} on token "${this.connection.tokenLabel}" is ${what}; expected one AES key or one RSA key pair with that CKA_LABEL and CKA_ID`,
    );
  }

  private missing(session: Handle, kek: KekRef): Error {
    const versions = this.versions(session, kek.key); // throws KeyNotFoundError when the label is unknown
    return new KeyVersionNotFoundError(`PKCS#11 key "${kek.key}" on token "${this.connection.tokenLabel}" has no version ${kek.version} (no key object with CKA_ID "${kek.version}"; versions: ${versions.join(", ")})`);
  }

  /** Key objects (secret, public, private) matching `template`; one search per class, so data objects and certificates never get a key attribute query. */
  private keyObjects(session: Handle, template: Template): KeyObject[] {
    const b = this.connection.binding;
    return [b.CKO_SECRET_KEY, b.CKO_PUBLIC_KEY, b.CKO_PRIVATE_KEY].flatMap((cls) =>
      this.find(session, [...template, { type: b.CKA_CLASS, value: cls }]).map((handle) => ({ handle, cls })),
    );
  }

  private find(session: Handle, template: Template): Handle[] {
    const { binding: b, api } = this.connection;
    call(b, "C_FindObjectsInit", () => api.C_FindObjectsInit(session, template));
    try {
      const handles: Handle[] = [];
      while (handles.length < MAX_OBJECTS) {
        const batch = call(b, "C_FindObjects", () => api.C_FindObjects(session, 64));
        if (batch.length === 0) break;
        handles.push(...batch);
      }
      return handles;
    } finally {
      call(b, "C_FindObjectsFinal", () => api.C_FindObjectsFinal(session));
    }
  }

  private attribute(session: Handle, handle: Handle, type: number): Buffer {
    const { binding: b, api } = this.connection;
    const [result] = call(b, "C_GetAttributeValue", () => api.C_GetAttributeValue(session, handle, [{ type }]));
    if (result === undefined) throw new ProviderMisconfiguredError(`PKCS#11 module returned no value for attribute 0x${type.toString(16)}`);
    return result.value;
  }
}

function cacheKey(kek: KekRef): string {
  return `${kek.key}\u0000${kek.version}`;
}
