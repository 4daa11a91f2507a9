// The README's CLI quick start is docs/quickstart.md, which test/integration/cli.test.ts runs
// verbatim; this keeps the two copies identical so the README's commands are the tested ones.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";

const REPO = join(import.meta.dirname, "..", "..");

it("README carries docs/quickstart.md unchanged (apart from the link base)", () => {
  const quickstart = readFileSync(join(REPO, "docs", "quickstart.md"), "utf8").trim().replace("](cli.md)", "](docs/cli.md)");
  expect(readFileSync(join(REPO, "README.md"), "utf8")).toContain(quickstart);
});
