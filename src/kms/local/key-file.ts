// Key files for the CLI's `envelope keygen`: a new file with a fresh key, or a new version added to an
// existing file. Pure (text in, text out, randomness injected); reading and writing the file (mode
// 0600, never committed) is the CLI's job. The format is key-set.ts' YAML key file.
import { randomBytes } from "node:crypto";
import { keySetFromFile, serializeKeyFile, withNewVersion, zeroKeySet, type LocalKeySet } from "./key-set.ts";

export type RandomBytes = (size: number) => Buffer;

export interface KeyFileUpdate {
  /** The whole key file to write. */
  readonly text: string;
  readonly key: string;
  /** The version just created: "1" for a new key, otherwise one above the highest. */
  readonly version: string;
}

/** A new key file holding version 1 of `keyName`. */
export function generateLocalKeyFile(keyName: string, random: RandomBytes = randomBytes): KeyFileUpdate {
  return withVersionAdded(new Map(), keyName, random);
}

/** `text` (a key file) plus a new, highest version of `keyName`; other keys and versions are kept. */
export function addVersion(text: string, keyName: string, random: RandomBytes = randomBytes, where = "key file"): KeyFileUpdate {
  return withVersionAdded(keySetFromFile(where, text), keyName, random);
}

function withVersionAdded(set: LocalKeySet, keyName: string, random: RandomBytes): KeyFileUpdate {
  const added = withNewVersion(set, keyName, random);
  try {
    return { text: serializeKeyFile(added.set), key: keyName, version: added.version };
  } finally {
    // The key bytes now exist only in the returned text.
    zeroKeySet(added.set);
  }
}
