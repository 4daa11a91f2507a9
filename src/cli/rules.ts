// Which key seals what: flags first, then the first matching rule of .envelope.yaml (like the
// creation rules of .sops.yaml). A rule matches when each of its conditions that is set holds:
// `path` (a glob) or `pathRegex` on the file path relative to the config directory, and `namespace`
// on the target namespace. --provider also narrows the rules (only rules for that provider are
// considered), so a rule can supply the key for a provider named on the command line.
import { relative, sep } from "node:path";
import { LATEST_VERSION } from "../api/v1alpha1/constants.ts";
import type { KeyRefSpec } from "../api/v1alpha1/types.ts";
import type { CliConfig, Rule } from "./config.ts";
import { ConfigFileError } from "./errors.ts";

/**
 * Glob → RegExp, anchored: `**` matches any characters including `/` (and `**\/` also matches no
 * directory), `*` any characters except `/`, `?` one character except `/`. A pattern without `/`
 * is matched against the file's base name only, like .gitignore.
 */
export function globToRegExp(glob: string): RegExp {
  let out = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] ?? "";
    if (glob.startsWith("**/", i)) {
      out += "(?:.*/)?";
      i += 2;
    } else if (glob.startsWith("**", i)) {
      out += ".*";
      i += 1;
    } else if (c === "*") out += "[^/]*";
    else if (c === "?") out += "[^/]";
    else out += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${out}$`, "u");
}

export interface RuleTarget {
  /** Absolute path of the file being written or read; undefined for stdin → stdout. */
  readonly file?: string | undefined;
  readonly namespace?: string | undefined;
}

export interface KeyRefFlags {
  readonly provider?: string | undefined;
  readonly key?: string | undefined;
  readonly keyVersion?: string | undefined;
}

function relativePath(config: CliConfig, file: string): string {
  return relative(config.dir, file).split(sep).join("/");
}

function pathMatches(rule: Rule, path: string | undefined): boolean {
  if (rule.path === undefined && rule.pathRegex === undefined) return true;
  if (path === undefined) return false;
  const subject = rule.path !== undefined && !rule.path.includes("/") ? (path.split("/").pop() ?? path) : path;
  if (rule.path !== undefined && !globToRegExp(rule.path).test(subject)) return false;
  return rule.pathRegex === undefined || rule.pathRegex.test(path);
}

export function ruleMatches(config: CliConfig, rule: Rule, target: RuleTarget, flags: KeyRefFlags = {}): boolean {
  if (flags.provider !== undefined && rule.provider !== flags.provider) return false;
  if (rule.namespace !== undefined && (target.namespace === undefined || !rule.namespace.test(target.namespace))) return false;
  return pathMatches(rule, target.file === undefined ? undefined : relativePath(config, target.file));
}

function describeTarget(target: RuleTarget): string {
  const parts = [target.file !== undefined ? `file ${target.file}` : "standard input/output", target.namespace !== undefined ? `namespace ${target.namespace}` : "no namespace"];
  return parts.join(", ");
}

/** The key reference to seal with. keyRef.version is what the user asked for ("latest" by default). */
export function resolveKeyRef(config: CliConfig | undefined, target: RuleTarget, flags: KeyRefFlags): KeyRefSpec {
  const rule = config?.rules.find((r) => ruleMatches(config, r, target, flags));
  const provider = flags.provider ?? rule?.provider;
  const key = flags.key ?? rule?.key;
  if (provider === undefined || key === undefined) {
    const where = config === undefined ? "no .envelope.yaml found" : `no rule in ${config.file} matches (${describeTarget(target)})`;
    throw new ConfigFileError(`which key to seal with: ${where}; pass --provider and --key, or add a rule`);
  }
  return { provider, key, version: flags.keyVersion ?? rule?.keyVersion ?? LATEST_VERSION };
}
