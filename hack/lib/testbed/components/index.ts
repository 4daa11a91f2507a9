// The testbed's KMS/HSM components besides the control plane, in start order.
import type { Component } from "../component.ts";
import { softhsm, type Pkcs11Info } from "./softhsm.ts";

export interface ExtraInfo {
  pkcs11: Pkcs11Info;
}

export const COMPONENTS_EXTRA: Component<unknown>[] = [];
COMPONENTS_EXTRA.push(softhsm);
