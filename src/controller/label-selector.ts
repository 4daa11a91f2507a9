// metav1.LabelSelector matching (matchLabels AND every matchExpression), as the API server does it.
import type { LabelSelector, LabelSelectorRequirement } from "../api/v1alpha1/key-provider.ts";

export type { LabelSelector };

export function matchesSelector(selector: LabelSelector | undefined, labels: Readonly<Record<string, string>>): boolean {
  if (selector === undefined) return true;
  const labelsOk = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  return labelsOk && (selector.matchExpressions ?? []).every((req) => matchesRequirement(req, labels));
}

function matchesRequirement(req: LabelSelectorRequirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.hasOwn(labels, req.key);
  const value = labels[req.key];
  switch (req.operator) {
    case "In":
      return has && (req.values ?? []).includes(value ?? "");
    case "NotIn":
      return !has || !(req.values ?? []).includes(value ?? "");
    case "Exists":
      return has;
    case "DoesNotExist":
      return !has;
  }
}
