// Command-line parsing on node:util parseArgs, with our own validation of its tokens: parseArgs' own
// strict-mode messages quote stray arguments verbatim, and a stray argument may be a secret value
// (`--from-literal password s3cr3t`). Ours name options and counts, never argument values.
import { parseArgs } from "node:util";
import type { Scope } from "../api/v1alpha1/types.ts";
import { UsageError } from "./errors.ts";

export interface OptionSpec {
  readonly type: "string" | "boolean";
  readonly multiple?: boolean;
  readonly short?: string;
}

export type OptionTable = Readonly<Record<string, OptionSpec>>;

type ValueOf<S extends OptionSpec> = S["type"] extends "boolean" ? boolean : S extends { readonly multiple: true } ? readonly string[] : string;

export type OptionValues<T extends OptionTable> = { readonly [K in keyof T]?: ValueOf<T[K]> };

export interface ParsedArgs<T extends OptionTable> {
  readonly values: OptionValues<T>;
  readonly positionals: readonly string[];
}

/** Every command takes -h/--help. */
export const HELP_OPTION = { help: { type: "boolean", short: "h" } } as const satisfies OptionTable;

type Token = NonNullable<ReturnType<typeof parseArgs>["tokens"]>[number];
type OptionToken = Extract<Token, { kind: "option" }>;

function optionValue(command: string, spec: OptionSpec, token: OptionToken): string | boolean {
  if (spec.type === "boolean") {
    if (token.value !== undefined) throw new UsageError(`${command}: option ${token.rawName} takes no value`);
    return true;
  }
  if (token.value === undefined) throw new UsageError(`${command}: option ${token.rawName} needs a value`);
  return token.value;
}

function store(command: string, values: Record<string, unknown>, name: string, spec: OptionSpec, value: string | boolean): void {
  if (spec.multiple === true) {
    values[name] = [...((values[name] as string[] | undefined) ?? []), value];
    return;
  }
  if (Object.hasOwn(values, name)) throw new UsageError(`${command}: option --${name} given more than once`);
  values[name] = value;
}

/** Parses `argv` (the arguments after the command name) against `table`. */
export function parseCommandArgs<T extends OptionTable>(command: string, table: T, argv: readonly string[]): ParsedArgs<T> {
  const { tokens } = parseArgs({ args: [...argv], options: table, strict: false, allowPositionals: true, tokens: true });
  const values: Record<string, unknown> = {};
  const positionals: string[] = [];
  for (const token of tokens) {
    if (token.kind === "positional") positionals.push(token.value);
    if (token.kind !== "option") continue;
    const spec = Object.hasOwn(table, token.name) ? table[token.name] : undefined;
    if (spec === undefined) throw new UsageError(`${command}: unknown option ${token.rawName} (see envelope ${command} --help)`);
    store(command, values, token.name, spec, optionValue(command, spec, token));
  }
  return { values: values as OptionValues<T>, positionals };
}

/** At most `max` positional arguments; the message counts them and does not repeat them. */
export function checkPositionals(command: string, positionals: readonly string[], max: number, what: string): void {
  if (positionals.length > max) {
    throw new UsageError(`${command}: ${positionals.length} arguments given, expected ${max === 0 ? "none" : `at most ${max} (${what})`}`);
  }
}

export function requireOption(command: string, flag: string, value: string | undefined): string {
  if (value === undefined || value === "") throw new UsageError(`${command}: --${flag} is required`);
  return value;
}

export function parseScopeFlag(command: string, value: string | undefined): Scope {
  if (value === undefined) return "strict";
  if (value === "strict" || value === "namespace" || value === "cluster") return value;
  throw new UsageError(`${command}: --scope must be strict, namespace or cluster`);
}

export function parseOutputFormat(command: string, value: string | undefined): "text" | "json" {
  if (value === undefined || value === "text") return "text";
  if (value === "json") return "json";
  throw new UsageError(`${command}: -o must be text or json`);
}
