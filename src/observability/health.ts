// HTTP endpoints for the kubelet and Prometheus: /healthz (process alive), /readyz (caches synced),
// /metrics. Bound to configurable addresses; separate servers so metrics can be exposed alone.
import { createServer, type Server } from "node:http";
import type { Registry } from "prom-client";

export interface HealthChecks {
  ready(): boolean;
}

export function startHealthServer(host: string, port: number, checks: HealthChecks): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url === "/healthz" || req.url === "/livez") return void res.writeHead(200).end("ok");
    if (req.url === "/readyz") {
      const ok = checks.ready();
      return void res.writeHead(ok ? 200 : 503).end(ok ? "ok" : "caches not synced");
    }
    res.writeHead(404).end();
  });
  return listen(server, host, port);
}

export function startMetricsServer(host: string, port: number, registry: Registry): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url !== "/metrics") return void res.writeHead(404).end();
    registry.metrics().then(
      (body) => res.writeHead(200, { "Content-Type": registry.contentType }).end(body),
      () => res.writeHead(500).end(),
    );
  });
  return listen(server, host, port);
}

function listen(server: Server, host: string, port: number): Promise<Server> {
  return new Promise((resolveListen, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolveListen(server));
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolveClose) => server.close(() => resolveClose()));
}
