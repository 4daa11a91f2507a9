// Keeps the CRD schemas (crds/*.yaml, the source of truth) and the TypeScript types in
// src/api/v1alpha1/ in step. Types vanish at runtime, so the types are read with the TypeScript
// compiler API and walked side by side with openAPIV3Schema: property names, optionality (the
// schema's `required` lists), primitive types, string-literal unions against enums, arrays and maps,
// recursively. A field added, removed or retyped on one side only fails here.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import ts from "typescript";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { GROUP, KIND_ENCRYPTED_SECRET, KIND_KEY_PROVIDER, PLURAL_ENCRYPTED_SECRETS, PLURAL_KEY_PROVIDERS, VERSION } from "../../src/api/v1alpha1/constants.ts";

const repo = resolve(import.meta.dirname, "..", "..");
const apiDir = join(repo, "src", "api", "v1alpha1");
const API_FILES = ["types.ts", "key-provider.ts"] as const;

interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: Schema | boolean;
  items?: Schema;
  enum?: unknown[];
  default?: unknown;
}

interface Crd {
  spec: {
    group: string;
    scope: string;
    names: { kind: string; plural: string; shortNames?: string[] };
    versions: { name: string; served: boolean; storage: boolean; subresources?: { status?: object }; schema: { openAPIV3Schema: Schema } }[];
  };
}

function loadCrd(file: string): Crd {
  return parse(readFileSync(join(repo, "crds", file), "utf8")) as Crd;
}

function rootSchema(crd: Crd): Schema {
  const version = crd.spec.versions.find((v) => v.name === VERSION);
  if (version === undefined) throw new Error(`no ${VERSION} in ${crd.spec.names.kind}`);
  return version.schema.openAPIV3Schema;
}

function child(schema: Schema, ...path: string[]): Schema {
  let current = schema;
  for (const name of path) {
    const next = current.properties?.[name];
    if (next === undefined) throw new Error(`schema has no ${path.join(".")}`);
    current = next;
  }
  return current;
}

/** The API types, compiled from `dir` (the real sources, or a modified copy in a test). */
class ApiTypes {
  private readonly checker: ts.TypeChecker;
  private readonly declarations = new Map<string, ts.Type>();

  constructor(dir: string) {
    const program = ts.createProgram(
      API_FILES.map((f) => join(dir, f)),
      { strict: true, exactOptionalPropertyTypes: true, noEmit: true, allowImportingTsExtensions: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, lib: ["lib.es5.d.ts"], types: [], skipLibCheck: true },
    );
    const errors = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    if (errors.length > 0) throw new Error(`API types do not compile:\n${errors.join("\n")}`);
    this.checker = program.getTypeChecker();
    for (const file of API_FILES) {
      const source = program.getSourceFile(join(dir, file));
      if (source === undefined) throw new Error(`cannot load ${file}`);
      for (const statement of source.statements) {
        if (!ts.isInterfaceDeclaration(statement) && !ts.isTypeAliasDeclaration(statement)) continue;
        const symbol = this.checker.getSymbolAtLocation(statement.name);
        if (symbol !== undefined) this.declarations.set(statement.name.text, this.checker.getDeclaredTypeOfSymbol(symbol));
      }
    }
  }

  /** Every difference between the type `name` and `schema`, as "path: problem" lines. */
  compare(name: string, schema: Schema, path: string): string[] {
    const type = this.declarations.get(name);
    if (type === undefined) throw new Error(`no type ${name} in ${API_FILES.join(", ")}`);
    const problems: string[] = [];
    this.walk(type, schema, path, problems);
    return problems;
  }

  private walk(declared: ts.Type, schema: Schema, path: string, problems: string[]): void {
    const type = this.checker.getNonNullableType(declared);
    const shown = this.checker.typeToString(type);
    switch (schema.type) {
      case "string":
        return this.walkString(type, schema, path, problems);
      case "integer":
      case "number":
        if ((type.flags & ts.TypeFlags.Number) === 0) problems.push(`${path}: schema ${schema.type}, TypeScript ${shown}`);
        return;
      case "boolean":
        if (!isBoolean(type)) problems.push(`${path}: schema boolean, TypeScript ${shown}`);
        return;
      case "array":
        return this.walkArray(type, schema, path, problems);
      case "object":
        return this.walkObject(type, schema, path, problems);
      default:
        problems.push(`${path}: schema has no supported type (${String(schema.type)})`);
    }
  }

  private walkString(type: ts.Type, schema: Schema, path: string, problems: string[]): void {
    if ((type.flags & ts.TypeFlags.String) !== 0) return; // plain string: the schema may narrow it (enum, pattern)
    const literals = type.isUnion() ? type.types : [type];
    if (!literals.every((t) => t.isStringLiteral())) {
      problems.push(`${path}: schema string, TypeScript ${this.checker.typeToString(type)}`);
      return;
    }
    const tsValues = literals.map((t) => t.value).sort();
    const schemaValues = (schema.enum ?? []).map(String).sort();
    if (tsValues.join("|") !== schemaValues.join("|")) problems.push(`${path}: TypeScript allows ${tsValues.join("|")}, schema enum ${schemaValues.join("|") || "(none)"}`);
  }

  private walkArray(type: ts.Type, schema: Schema, path: string, problems: string[]): void {
    if (!this.checker.isArrayType(type) || schema.items === undefined) {
      problems.push(`${path}: schema array, TypeScript ${this.checker.typeToString(type)}`);
      return;
    }
    const [element] = this.checker.getTypeArguments(type as ts.TypeReference);
    if (element !== undefined) this.walk(element, schema.items, `${path}[]`, problems);
  }

  private walkObject(type: ts.Type, schema: Schema, path: string, problems: string[]): void {
    const index = this.checker.getIndexInfoOfType(type, ts.IndexKind.String);
    const properties = this.checker.getPropertiesOfType(type);
    if (typeof schema.additionalProperties === "object") {
      if (index === undefined || properties.length > 0) problems.push(`${path}: schema is a map, TypeScript ${this.checker.typeToString(type)}`);
      else this.walk(index.type, schema.additionalProperties, `${path}{}`, problems);
      return;
    }
    if (schema.properties === undefined) {
      problems.push(`${path}: schema object without properties or additionalProperties`);
      return;
    }
    if (index !== undefined || (type.flags & (ts.TypeFlags.Object | ts.TypeFlags.Intersection)) === 0) problems.push(`${path}: schema has properties, TypeScript ${this.checker.typeToString(type)}`);
    this.walkProperties(properties, schema, path, problems);
  }

  private walkProperties(properties: ts.Symbol[], schema: Schema, path: string, problems: string[]): void {
    const schemaProps = schema.properties ?? {};
    const required = new Set(schema.required ?? []);
    const tsNames = new Set(properties.map((p) => p.name));
    for (const name of Object.keys(schemaProps)) if (!tsNames.has(name)) problems.push(`${path}.${name}: in the CRD schema, not in the TypeScript type`);
    for (const name of required) if (!(name in schemaProps)) problems.push(`${path}.${name}: required by the schema but not a schema property`);
    for (const prop of properties) {
      const propSchema = schemaProps[prop.name];
      const propPath = `${path}.${prop.name}`;
      if (propSchema === undefined) {
        problems.push(`${propPath}: in the TypeScript type, not in the CRD schema`);
        continue;
      }
      const optional = (prop.flags & ts.SymbolFlags.Optional) !== 0;
      if (optional === required.has(prop.name)) problems.push(`${propPath}: ${optional ? "optional in TypeScript, required by the schema" : "required in TypeScript, optional in the schema"}`);
      this.walk(this.checker.getTypeOfSymbol(prop), propSchema, propPath, problems);
    }
  }
}

function isBoolean(type: ts.Type): boolean {
  const parts = type.isUnion() ? type.types : [type];
  return parts.every((t) => (t.flags & ts.TypeFlags.BooleanLike) !== 0);
}

const encryptedSecrets = loadCrd("envelope.dev_encryptedsecrets.yaml");
const keyProviders = loadCrd("envelope.dev_keyproviders.yaml");

/** Every (TypeScript type, schema node) pair that must agree. */
function pairs(es: Schema, kp: Schema): [string, Schema, string][] {
  return [
    ["EncryptedSecretSpec", child(es, "spec"), "EncryptedSecret.spec"],
    ["EncryptedSecretStatus", child(es, "status"), "EncryptedSecret.status"],
    ["KeyProviderSpec", child(kp, "spec"), "KeyProvider.spec"],
    ["KeyProviderStatus", child(kp, "status"), "KeyProvider.status"],
  ];
}

describe("the TypeScript API types match the CRD schemas", () => {
  const types = new ApiTypes(apiDir);

  it.each(pairs(rootSchema(encryptedSecrets), rootSchema(keyProviders)))("%s matches %s", (name, schema, path) => {
    expect(types.compare(name, schema, path)).toEqual([]);
  });

  it.each([
    ["EncryptedSecret", encryptedSecrets, KIND_ENCRYPTED_SECRET, PLURAL_ENCRYPTED_SECRETS, "Namespaced"],
    ["KeyProvider", keyProviders, KIND_KEY_PROVIDER, PLURAL_KEY_PROVIDERS, "Cluster"],
  ])("the %s CRD: names, scope and version match constants.ts, and the object type matches its root", (typeName, crd, kind, plural, scope) => {
    expect(crd.spec.group).toBe(GROUP);
    expect(crd.spec.names.kind).toBe(kind);
    expect(crd.spec.names.plural).toBe(plural);
    expect(crd.spec.scope).toBe(scope);
    expect(crd.spec.versions.map((v) => [v.name, v.served, v.storage, v.subresources?.status !== undefined])).toEqual([[VERSION, true, true, true]]);
    const root = rootSchema(crd);
    expect(Object.keys(root.properties ?? {}).sort()).toEqual(["apiVersion", "kind", "metadata", "spec", "status"]);
    expect(root.required).toEqual(["spec"]);
    // The object type: spec required, status optional, apiVersion/kind literal.
    const objectSchema: Schema = { type: "object", required: ["apiVersion", "kind", "metadata", "spec"], properties: { ...root.properties, apiVersion: { type: "string", enum: [`${GROUP}/${VERSION}`] }, kind: { type: "string", enum: [kind] }, metadata: child(root, "metadata") } };
    const problems = types.compare(typeName, objectSchema, typeName).filter((p) => !p.startsWith(`${typeName}.metadata`));
    expect(problems).toEqual([]);
  });
});

describe("the comparison catches drift on either side", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  /** The API types with `edit` applied to one file's text, compiled from a temp copy. */
  function editedTypes(file: (typeof API_FILES)[number], edit: (text: string) => string): ApiTypes {
    const dir = mkdtempSync(join(tmpdir(), "crd-types-"));
    dirs.push(dir);
    cpSync(apiDir, dir, { recursive: true });
    const path = join(dir, file);
    const before = readFileSync(path, "utf8");
    const after = edit(before);
    if (after === before) throw new Error(`edit of ${file} changed nothing`);
    writeFileSync(path, after);
    return new ApiTypes(dir);
  }

  function editedSchema(crd: Crd, edit: (root: Schema) => void): Schema {
    const root = structuredClone(rootSchema(crd));
    edit(root);
    return root;
  }

  const real = new ApiTypes(apiDir);
  const es = rootSchema(encryptedSecrets);
  const kp = rootSchema(keyProviders);

  it.each<[string, () => string[], string]>([
    [
      "a field added to the schema only",
      () => real.compare("EncryptedSecretSpec", child(editedSchema(encryptedSecrets, (r) => (child(r, "spec", "envelope").properties!.salt = { type: "string" })), "spec"), "spec"),
      "spec.envelope.salt: in the CRD schema, not in the TypeScript type",
    ],
    [
      "a field added to the TypeScript type only",
      () => editedTypes("types.ts", (t) => t.replace("  commitment: string;\n", "  commitment: string;\n  salt?: string;\n")).compare("EncryptedSecretSpec", child(es, "spec"), "spec"),
      "spec.envelope.salt: in the TypeScript type, not in the CRD schema",
    ],
    [
      "a KeyProvider field added to the TypeScript type only",
      () => editedTypes("key-provider.ts", (t) => t.replace("  roleArn?: string;\n", "  roleArn?: string;\n  profile?: string;\n")).compare("KeyProviderSpec", child(kp, "spec"), "spec"),
      "spec.aws.profile: in the TypeScript type, not in the CRD schema",
    ],
    [
      "a field made optional in the schema only",
      () => real.compare("EncryptedSecretSpec", child(editedSchema(encryptedSecrets, (r) => (child(r, "spec", "keyRef").required = ["provider", "key"])), "spec"), "spec"),
      "spec.keyRef.version: required in TypeScript, optional in the schema",
    ],
    [
      "a field made required in TypeScript only",
      () => editedTypes("key-provider.ts", (t) => t.replace("  minVersion?: string;", "  minVersion: string;")).compare("KeyProviderSpec", child(kp, "spec"), "spec"),
      "spec.minVersion: required in TypeScript, optional in the schema",
    ],
    [
      "a primitive type changed on one side",
      () => editedTypes("types.ts", (t) => t.replace("immutable?: boolean;", "immutable?: string;")).compare("EncryptedSecretSpec", child(es, "spec"), "spec"),
      "spec.template.immutable: schema boolean, TypeScript string",
    ],
    [
      "an enum value added to the schema only",
      () => real.compare("KeyProviderSpec", child(editedSchema(keyProviders, (r) => child(r, "spec", "pkcs11", "rsaOaepHash").enum!.push("sha384")), "spec"), "spec"),
      "spec.pkcs11.rsaOaepHash: TypeScript allows sha1|sha256, schema enum sha1|sha256|sha384",
    ],
    [
      "a map turned into an object in TypeScript",
      () => editedTypes("key-provider.ts", (t) => t.replace("currentVersions?: Record<string, string>;", "currentVersions?: { latest: string };")).compare("KeyProviderStatus", child(kp, "status"), "status"),
      "status.currentVersions: schema is a map, TypeScript { latest: string; }",
    ],
    [
      "an array element field added to the schema only",
      () => real.compare("EncryptedSecretStatus", child(editedSchema(encryptedSecrets, (r) => (child(r, "status", "conditions").items!.properties!.severity = { type: "string" })), "status"), "status"),
      "status.conditions[].severity: in the CRD schema, not in the TypeScript type",
    ],
  ])("%s", (_name, problems, expected) => {
    expect(problems()).toContain(expected);
  });
});
