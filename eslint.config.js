// Lint rules that keep units small (see docs/decisions.md, "Code size and boundaries") and import
// boundaries that keep vendor SDKs inside their backend file and the reconciler backend-agnostic.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

const vendorSdks = ["@aws-sdk/*", "@azure/*", "pkcs11js"];

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "coverage/**", "eslint.config.js"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      complexity: ["error", 12],
      "max-depth": ["error", 3],
      "max-params": ["error", 5],
      "max-lines": ["error", { max: 400, skipBlankLines: true, skipComments: true }],
      "@typescript-eslint/explicit-function-return-type": ["error", { allowExpressions: true }],
      "@typescript-eslint/no-floating-promises": "error",
      // Interface implementations return promises without awaiting anything; that is fine.
      "@typescript-eslint/require-await": "off",
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    // Only the composition roots read process.env / argv.
    files: ["src/**/*.ts"],
    ignores: ["src/main.ts", "src/cli/main.ts"],
    rules: {
      "no-restricted-properties": [
        "error",
        { object: "process", property: "env", message: "Parse config at the edge (src/main.ts, src/cli/main.ts) and pass it in." },
        { object: "process", property: "argv", message: "Parse config at the edge (src/main.ts, src/cli/main.ts) and pass it in." },
      ],
    },
  },
  {
    // The envelope and the controller never know which backend they talk to.
    files: ["src/envelope/**/*.ts", "src/controller/**/*.ts", "src/api/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ group: vendorSdks, message: "Vendor SDKs stay inside src/kms/<backend>/." }, { group: ["**/kms/*/**"], message: "Depend on src/kms/types.ts, not on a backend." }] },
      ],
    },
  },
  {
    files: ["**/*.test.ts", "test/**/*.ts", "hack/**/*.ts", "bench/**/*.ts"],
    rules: {
      "max-lines": "off",
      // Optional chaining in assertions counts as branches; tests stay readable without the cap.
      complexity: "off",
      "@typescript-eslint/explicit-function-return-type": "off",
      "@typescript-eslint/no-non-null-assertion": "off",
    },
  },
);
