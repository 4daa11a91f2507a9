import { describe, expect, it } from "vitest";
import { matchesSelector, type LabelSelector } from "./label-selector.ts";

describe("matchesSelector", () => {
  const labels = { team: "payments", env: "prod" };
  it.each<[string, LabelSelector | undefined, boolean]>([
    ["no selector allows every namespace", undefined, true],
    ["an empty selector allows every namespace", {}, true],
    ["matchLabels that all match allow", { matchLabels: { team: "payments" } }, true],
    ["a matchLabels mismatch refuses", { matchLabels: { team: "search" } }, false],
    ["In with the value allows", { matchExpressions: [{ key: "env", operator: "In", values: ["prod", "staging"] }] }, true],
    ["In without the value refuses", { matchExpressions: [{ key: "env", operator: "In", values: ["dev"] }] }, false],
    ["NotIn with the value refuses", { matchExpressions: [{ key: "env", operator: "NotIn", values: ["prod"] }] }, false],
    ["NotIn on a missing label allows", { matchExpressions: [{ key: "tier", operator: "NotIn", values: ["x"] }] }, true],
    ["Exists on a present label allows", { matchExpressions: [{ key: "team", operator: "Exists" }] }, true],
    ["DoesNotExist on a present label refuses", { matchExpressions: [{ key: "team", operator: "DoesNotExist" }] }, false],
    ["labels and expressions must both match", { matchLabels: { team: "payments" }, matchExpressions: [{ key: "env", operator: "In", values: ["dev"] }] }, false],
  ])("%s", (_name, selector, expected) => {
    expect(matchesSelector(selector, labels)).toBe(expected);
  });
});
