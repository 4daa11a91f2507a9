// The rotation inventory from EncryptedSecrets as the cluster returns them: how many objects use
// each provider/key/version (the envelope in use: the rewrapped one in status while it replaces the
// spec one), which ones git has not caught up with (RewrapPending), and which are not Ready.
// Pure: the command fetches, this decides, the renderer prints.
import type { EncryptedSecret } from "../api/v1alpha1/types.ts";
import { effectiveEnvelope } from "../controller/key-version.ts";

export interface InventoryRow {
  readonly provider: string;
  readonly key: string;
  readonly version: string;
  readonly objects: number;
}

export interface ObjectState {
  readonly namespace: string;
  readonly name: string;
  readonly reason: string;
  readonly message: string;
}

export interface Inventory {
  readonly rows: readonly InventoryRow[];
  /** Rewrapped in the cluster; git still has the old envelope (envelope pull brings it back). */
  readonly stale: readonly ObjectState[];
  readonly notReady: readonly ObjectState[];
}

function state(es: EncryptedSecret): ObjectState {
  const ready = es.status?.conditions?.find((c) => c.type === "Ready");
  return { namespace: es.metadata.namespace ?? "", name: es.metadata.name, reason: ready?.reason ?? "Unknown", message: ready?.message ?? "not reconciled yet" };
}

export function inventory(objects: readonly EncryptedSecret[]): Inventory {
  const rows = new Map<string, { provider: string; key: string; version: string; objects: number }>();
  const stale: ObjectState[] = [];
  const notReady: ObjectState[] = [];
  for (const es of objects) {
    const envelope = effectiveEnvelope(es);
    const id = JSON.stringify([es.spec.keyRef.provider, envelope.key, envelope.keyVersion]);
    const row = rows.get(id) ?? { provider: es.spec.keyRef.provider, key: envelope.key, version: envelope.keyVersion, objects: 0 };
    row.objects++;
    rows.set(id, row);
    const s = state(es);
    // effectiveEnvelope returns the spec object itself unless a rewrapped one in status replaces it.
    if (envelope !== es.spec.envelope) stale.push(s);
    const ready = es.status?.conditions?.find((c) => c.type === "Ready");
    if (ready?.status !== "True") notReady.push(s);
  }
  const order = (a: InventoryRow, b: InventoryRow): number => a.provider.localeCompare(b.provider) || a.key.localeCompare(b.key) || a.version.localeCompare(b.version, undefined, { numeric: true });
  return { rows: [...rows.values()].sort(order), stale, notReady };
}

export function renderInventory(inv: Inventory): string {
  const lines = ["PROVIDER\tKEY\tVERSION\tOBJECTS", ...inv.rows.map((r) => `${r.provider}\t${r.key}\t${r.version}\t${r.objects}`)];
  if (inv.stale.length > 0) {
    lines.push("", `Rewrapped in the cluster, not yet in git (run envelope pull): ${inv.stale.length}`);
    for (const s of inv.stale) lines.push(`  ${s.namespace}/${s.name}`);
  }
  if (inv.notReady.length > 0) {
    lines.push("", `Not Ready: ${inv.notReady.length}`);
    for (const s of inv.notReady) lines.push(`  ${s.namespace}/${s.name}\t${s.reason}\t${s.message}`);
  }
  return `${lines.join("\n")}\n`;
}
