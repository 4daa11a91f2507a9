// Writes the envelope v1 test vectors next to this file. Run once after a deliberate format change
// (which should not happen within v1) and commit the output:
//   node_modules/.bin/node test/vectors/envelope-v1/generate.ts
// test/unit/envelope-vectors.test.ts fails when the committed files and this output differ.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildNegativeVectors } from "./build-negative.ts";
import { buildPositiveVectors } from "./build.ts";

export function vectorFiles(): Record<string, string> {
  const positives = buildPositiveVectors();
  const files: Record<string, string> = {};
  for (const [name, vector] of Object.entries(positives)) files[`${name}.json`] = `${JSON.stringify(vector, null, 2)}\n`;
  files["negative.json"] = `${JSON.stringify(buildNegativeVectors(positives), null, 2)}\n`;
  return files;
}

if (import.meta.main) {
  for (const [file, text] of Object.entries(vectorFiles())) {
    writeFileSync(join(import.meta.dirname, file), text);
    console.log(`wrote ${file}`);
  }
}
