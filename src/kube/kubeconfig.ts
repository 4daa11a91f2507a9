// Loads the controller's or CLI's Kubernetes client configuration once, at the composition root.
import { KubeConfig } from "@kubernetes/client-node";

/** From `path` when given, else in-cluster when running in a Pod, else the default chain (KUBECONFIG, ~/.kube/config). */
export function loadKubeConfig(path: string | undefined, inCluster: boolean): KubeConfig {
  const kc = new KubeConfig();
  if (path !== undefined && path !== "") kc.loadFromFile(path);
  else if (inCluster) kc.loadFromCluster();
  else kc.loadFromDefault();
  return kc;
}
