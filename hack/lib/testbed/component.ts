// One real component of the testbed (etcd + kube-apiserver, local-kms, lowkey-vault, SoftHSM2).
// build() makes its binaries available in the cache (idempotent, skipped when present);
// start() starts it in its own directory on free loopback ports and waits until it answers.
import type { DaemonRecord } from "./process.ts";

export interface BuildContext {
  /** Cache root (see paths.ts). */
  readonly cache: string;
  /** Progress output for humans (stderr). */
  log(message: string): void;
}

export interface StartContext extends BuildContext {
  /** A fresh directory for this component inside the testbed's temp dir. */
  readonly dir: string;
  /** Repository root. */
  readonly repo: string;
  /** Records a started daemon so `down` stops it, also when a later component fails. */
  track(daemon: DaemonRecord): void;
}

export interface Component<Info> {
  readonly name: string;
  build(ctx: BuildContext): Promise<void>;
  start(ctx: StartContext): Promise<Info>;
  /** Shell exports a user or test needs for this component (printed by `hack/testbed env`). */
  env(info: Info): Record<string, string>;
}
