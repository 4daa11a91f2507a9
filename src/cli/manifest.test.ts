import { describe, expect, it } from "vitest";
import { InputError } from "./errors.ts";
import { LAST_APPLIED_ANNOTATION, parseSecretManifest, zeroContent } from "./manifest.ts";
import { parseSingleDocument, parseYamlDocuments } from "./yaml-input.ts";

const SECRET_VALUE = "s3cr3t-value";
const b64 = (s: string): string => Buffer.from(s).toString("base64");

/** What `kubectl create secret generic db --from-literal=password=… --dry-run=client -o yaml` prints. */
const KUBECTL_OUTPUT = `apiVersion: v1
data:
  password: ${b64(SECRET_VALUE)}
kind: Secret
metadata:
  creationTimestamp: null
  name: db
`;

function read(text: string, warnings: string[] = []): ReturnType<typeof parseSecretManifest> {
  return parseSecretManifest("input", parseSingleDocument("input", text), (m) => warnings.push(m));
}

function inputError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).not.toContain(SECRET_VALUE);
    expect((err as Error).message).not.toContain(b64(SECRET_VALUE));
    return err as InputError;
  }
  throw new Error("expected an InputError");
}

describe("Secret manifests in", () => {
  it("reads kubectl's dry-run output", () => {
    const content = read(KUBECTL_OUTPUT);
    expect(content.name).toBe("db");
    expect(content.namespace).toBeUndefined();
    expect(content.type).toBe("Opaque");
    expect(content.data.get("password")?.toString()).toBe(SECRET_VALUE);
  });

  it("reads data (base64) and stringData (UTF-8) together, with type, labels, annotations and immutable", () => {
    const content = read(`apiVersion: v1
kind: Secret
metadata: {name: db, namespace: prod, labels: {app: web}, annotations: {team: payments}}
type: kubernetes.io/basic-auth
immutable: true
data: {username: ${b64("admin")}}
stringData: {password: "pä$$ wörd"}
`);
    expect(Object.fromEntries([...content.data].map(([k, v]) => [k, v.toString()]))).toEqual({ username: "admin", password: "pä$$ wörd" });
    expect(content).toMatchObject({ namespace: "prod", type: "kubernetes.io/basic-auth", immutable: true, labels: { app: "web" }, annotations: { team: "payments" } });
  });

  it("drops kubectl's last-applied annotation (it holds the values in clear) and says so", () => {
    const warnings: string[] = [];
    const content = read(`apiVersion: v1
kind: Secret
metadata:
  name: db
  annotations:
    ${LAST_APPLIED_ANNOTATION}: '{"data":{"password":"${b64(SECRET_VALUE)}"}}'
    keep: "yes"
data: {password: ${b64(SECRET_VALUE)}}
`, warnings);
    expect(content.annotations).toEqual({ keep: "yes" });
    expect(warnings.join()).toContain(LAST_APPLIED_ANNOTATION);
    expect(warnings.join()).not.toContain(b64(SECRET_VALUE));
  });

  it.each([
    ["a ConfigMap", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {a: b}\n", /expected a Secret .* got "ConfigMap"/],
    ["an EncryptedSecret", "apiVersion: envelope.dev/v1alpha1\nkind: EncryptedSecret\nmetadata: {name: x}\n", /got "EncryptedSecret"/],
    ["a list", "- a\n- b\n", /expected a Secret object/],
    ["bad base64 in data", `apiVersion: v1\nkind: Secret\nmetadata: {name: x}\ndata: {password: "${SECRET_VALUE}!"}\n`, /data\["password"\] is not valid base64/],
    ["base64 with a line break", `apiVersion: v1\nkind: Secret\nmetadata: {name: x}\ndata:\n  password: "${b64(SECRET_VALUE).slice(0, 4)}\\n${b64(SECRET_VALUE).slice(4)}"\n`, /not valid base64/],
    ["a key in data and stringData", `apiVersion: v1\nkind: Secret\nmetadata: {name: x}\ndata: {k: ${b64("a")}}\nstringData: {k: ${SECRET_VALUE}}\n`, /key "k" is in both data and stringData/],
    ["a number in stringData", "apiVersion: v1\nkind: Secret\nmetadata: {name: x}\nstringData: {pin: 1234}\n", /stringData\["pin"\] must be a string/],
    ["an unknown top-level field", "apiVersion: v1\nkind: Secret\nmetadata: {name: x}\nstatus: {}\n", /field "status" is not supported/],
    ["ownerReferences", "apiVersion: v1\nkind: Secret\nmetadata: {name: x, ownerReferences: []}\n", /metadata field "ownerReferences"/],
    ["a non-string label", "apiVersion: v1\nkind: Secret\nmetadata: {name: x, labels: {n: 1}}\n", /metadata.labels\["n"\] must be a string/],
  ])("rejects %s with a message naming the field", (_name, text, message) => {
    expect(inputError(() => read(text)).message).toMatch(message);
  });

  it("zeroes value buffers", () => {
    const content = read(KUBECTL_OUTPUT);
    const value = content.data.get("password")!;
    zeroContent(content);
    expect(value.every((b) => b === 0)).toBe(true);
  });
});

describe("YAML input", () => {
  it.each([
    ["a duplicate key", `password: ${SECRET_VALUE}\npassword: ${SECRET_VALUE}\n`, /malformed YAML: DUPLICATE_KEY at line 2, column 1/],
    ["a bad indent", `a:\n  b: ${SECRET_VALUE}\n c: d\n`, /malformed YAML: \w+ at line \d+/],
    ["an unclosed flow map", `data: {password: ${SECRET_VALUE}\n`, /malformed YAML/],
  ])("reports %s by code and position, never quoting the source", (_name, text, message) => {
    expect(inputError(() => parseSingleDocument("input", text)).message).toMatch(message);
  });

  it.each([
    ["two documents", `${KUBECTL_OUTPUT}---\n${KUBECTL_OUTPUT}`, /2 YAML documents, expected exactly one/],
    ["nothing", "", /empty input/],
    ["only comments", "# nothing\n", /empty input/],
  ])("wants exactly one document, not %s", (_name, text, message) => {
    expect(inputError(() => parseSingleDocument("input", text)).message).toMatch(message);
  });

  it("skips empty documents and numbers the rest by stream position", () => {
    const docs = parseYamlDocuments("input", "---\na: 1\n---\n---\nb: 2\n---\n");
    expect(docs.map((d) => d.index)).toEqual([1, 3]);
    expect(parseSingleDocument("input", `---\n${KUBECTL_OUTPUT}`)).toMatchObject({ kind: "Secret" });
  });

  it("refuses alias bombs", () => {
    const bomb = `a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n`;
    expect(inputError(() => parseSingleDocument("input", bomb)).message).toMatch(/YAML could not be loaded/);
  });
});
