import { defineConfig } from "vitest/config";

// Two projects: `unit` is pure logic (no servers); `integration` runs against the real testbed
// (kube-apiserver + etcd + kube-controller-manager, local-kms, lowkey-vault, SoftHSM2), which the
// global setup starts once per run with the same code as `hack/testbed up`.
export default defineConfig({
  test: {
    reporters: ["default"],
    projects: [
      {
        test: {
          name: "unit",
          include: ["src/**/*.test.ts", "test/unit/**/*.test.ts", "hack/**/*.test.ts"],
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts", "test/smoke/**/*.test.ts"],
          globalSetup: ["test/harness/global-setup.ts"],
          testTimeout: 120_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
