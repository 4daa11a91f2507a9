// Free loopback ports: ask the kernel for an ephemeral port, release it, and hand it to the component.
// Parallel runs never collide on fixed ports; the small race between release and bind is retried by
// the component's readiness check failing fast with its log.
import { createServer } from "node:net";

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      if (address === null || typeof address === "string") {
        server.close();
        reject(new Error("could not read the port of a probe socket"));
        return;
      }
      server.close(() => resolvePort(address.port));
    });
  });
}
