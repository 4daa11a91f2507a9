import { describe, expect, it } from "vitest";
import { ConfigError, parseControllerArgs } from "./config.ts";

const parse = (argv: string[], env: Record<string, string> = {}) => {
  const r = parseControllerArgs(argv, env);
  if (r.help) throw new Error("unexpected help");
  return r.config;
};

describe("parseControllerArgs", () => {
  it("has safe defaults: loopback endpoints, no leader election", () => {
    const c = parse([]);
    expect(c.metrics).toEqual({ host: "127.0.0.1", port: 8080 });
    expect(c.health).toEqual({ host: "127.0.0.1", port: 8081 });
    expect(c.leaderElect).toBe(false);
    expect(c.dekCacheTtlMs).toBe(3_600_000);
  });

  it("binds all interfaces for :PORT and disables an endpoint with 0", () => {
    const c = parse(["--metrics-bind-address=:9090", "--health-bind-address=0"]);
    expect(c.metrics).toEqual({ host: "0.0.0.0", port: 9090 });
    expect(c.health).toBeUndefined();
  });

  it("takes the Lease namespace and identity from the downward API", () => {
    const c = parse(["--leader-elect"], { POD_NAMESPACE: "envelope-system", POD_NAME: "op-1" });
    expect(c.leaderElectionNamespace).toBe("envelope-system");
    expect(c.identity).toBe("op-1");
  });

  it("reports every problem at once", () => {
    let err: unknown;
    try {
      parse(["--concurrency=0", "--dek-cache-ttl=forever", "--leader-elect", "--log-level=loud"]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toHaveLength(4);
  });

  it("rejects unknown flags", () => {
    expect(() => parse(["--bogus"])).toThrow(/bogus/);
  });

  it("splits --watch-namespaces", () => {
    expect(parse(["--watch-namespaces= a, b ,"]).watchNamespaces).toEqual(["a", "b"]);
  });
});
