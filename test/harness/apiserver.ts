// Restarts the testbed's kube-apiserver with the same flags (etcd keeps the data), for tests of how
// the controller rides out an API server outage.
import { readFileSync, readdirSync } from "node:fs";
import { isAlive, startDaemon, stopDaemon } from "../../hack/lib/testbed/process.ts";
import { testbed } from "./testbed.ts";
import { adminKubeConfig, eventually } from "./kube.ts";
import { VersionApi } from "@kubernetes/client-node";

function apiserverPid(): number {
  const { apiserver } = testbed().kube;
  for (const entry of readdirSync("/proc").filter((e) => /^\d+$/.test(e))) {
    const cmdline = (() => {
      try {
        return readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      } catch {
        return [];
      }
    })();
    if (cmdline[0] === apiserver.command && cmdline.includes(apiserver.args[0] ?? "")) return Number(entry);
  }
  throw new Error("the testbed's kube-apiserver is not running");
}

export async function stopApiserver(): Promise<void> {
  const pid = apiserverPid();
  await stopDaemon({ name: "kube-apiserver", pid, logFile: "" });
  await eventually(async () => (isAlive(pid) ? undefined : true), "kube-apiserver to exit");
}

export async function startApiserver(): Promise<void> {
  const { apiserver } = testbed().kube;
  startDaemon({ name: "kube-apiserver", ...apiserver });
  const versions = adminKubeConfig().makeApiClient(VersionApi);
  await eventually(() => versions.getCode().then(() => true), "kube-apiserver to serve again", 120_000);
}
