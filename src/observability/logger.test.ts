import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "./logger.ts";

function capture(): { lines: () => string[]; stream: Writable } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  return { stream, lines: () => chunks.join("").trim().split("\n") };
}

describe("createLogger", () => {
  it.each([
    ["Secret data", { data: { password: "log-leak-1" } }],
    ["a nested Secret's data", { secret: { data: { password: "log-leak-1" } } }],
    ["stringData", { obj: { stringData: { password: "log-leak-1" } } }],
    ["a DEK", { dek: "log-leak-1" }],
    ["a PIN", { provider: { pin: "log-leak-1" } }],
    ["a token", { token: "log-leak-1" }],
    ["an API error body", { err: { body: "log-leak-1" } }],
  ])("redacts %s", (_name, fields) => {
    const { stream, lines } = capture();
    createLogger("info", stream).info(fields, "Reconciled EncryptedSecret");
    expect(lines()[0]).not.toContain("log-leak-1");
    expect(lines()[0]).toContain("[REDACTED]");
  });

  it("writes JSON with a level label and the fixed component key", () => {
    const { stream, lines } = capture();
    createLogger("info", stream).info({ resource_namespace: "app" }, "Created Secret");
    expect(JSON.parse(lines()[0]!)).toMatchObject({ level: "info", component: "envelope-operator", resource_namespace: "app", msg: "Created Secret" });
  });
});
