import { describe, expect, it } from "vitest";
import { UsageError } from "./errors.ts";
import { checkPositionals, HELP_OPTION, parseCommandArgs, parseOutputFormat, parseScopeFlag } from "./options.ts";

const TABLE = {
  ...HELP_OPTION,
  "from-literal": { type: "string", multiple: true },
  name: { type: "string" },
  namespace: { type: "string", short: "n" },
  force: { type: "boolean" },
} as const;

function usageError(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return err as UsageError;
  }
  throw new Error("expected a UsageError");
}

describe("parseCommandArgs", () => {
  it("collects repeatable options in order, single options, short names and positionals", () => {
    const { values, positionals } = parseCommandArgs("seal", TABLE, ["--from-literal", "a=1", "--from-literal=b=2", "-n", "prod", "--name", "db", "file.yaml"]);
    expect(values["from-literal"]).toEqual(["a=1", "b=2"]);
    expect(values.namespace).toBe("prod");
    expect(values.name).toBe("db");
    expect(positionals).toEqual(["file.yaml"]);
  });

  it("takes a value that starts with a dash (a secret may)", () => {
    expect(parseCommandArgs("seal", TABLE, ["--from-literal", "-x=-y"]).values["from-literal"]).toEqual(["-x=-y"]);
  });

  it.each([
    ["an unknown option", ["--nope"], /unknown option --nope/],
    ["an unknown option with an inline value, without echoing the value", ["--nope=s3cr3t"], /unknown option --nope \(/],
    ["a string option without a value", ["--name"], /--name needs a value/],
    ["a boolean option with a value", ["--force=yes"], /--force takes no value/],
    ["a single option given twice", ["--name", "a", "--name", "b"], /--name given more than once/],
  ])("rejects %s as a usage error", (_name, argv, message) => {
    const err = usageError(() => parseCommandArgs("seal", TABLE, argv));
    expect(err.message).toMatch(message);
    expect(err.message).not.toContain("s3cr3t");
  });

  it("counts surplus positionals without repeating them (one may be a secret typed without '=')", () => {
    const { positionals } = parseCommandArgs("seal", TABLE, ["--from-literal", "password", "s3cr3t"]);
    const err = usageError(() => checkPositionals("seal", positionals, 0, ""));
    expect(err.message).toBe("seal: 1 arguments given, expected none");
    expect(err.message).not.toContain("s3cr3t");
  });

  it("parses -h as help", () => {
    expect(parseCommandArgs("seal", TABLE, ["-h"]).values.help).toBe(true);
  });
});

describe("flag values", () => {
  it.each([[undefined, "strict"], ["strict", "strict"], ["namespace", "namespace"], ["cluster", "cluster"]] as const)("--scope %s is %s", (flag, scope) => {
    expect(parseScopeFlag("seal", flag)).toBe(scope);
  });

  it("rejects an unknown scope and output format", () => {
    usageError(() => parseScopeFlag("seal", "global"));
    usageError(() => parseOutputFormat("inspect", "xml"));
    expect(parseOutputFormat("inspect", "json")).toBe("json");
  });
});
