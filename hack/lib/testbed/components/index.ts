// The testbed's KMS/HSM components besides the control plane, in start order.
import type { Component } from "../component.ts";

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ExtraInfo {}

export const COMPONENTS_EXTRA: Component<unknown>[] = [];
