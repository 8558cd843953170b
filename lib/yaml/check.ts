/**
 * Parses YAML text strictly (YAML 1.2 core, one document, no tabs, no unknown tags, few
 * aliases) and checks it against a {@link JsonSchema}, reporting every problem with its place.
 * Shared by the manifest loader and the fake API's state-file loader.
 *
 * The full reader (`yaml/full.ts`, the `yaml` package) is a parameter, not an import: it is
 * loaded only when a file leaves the fast reader's subset ({@link withFullReader}).
 */
import type { JsonSchema } from "./json_schema.ts";
import { type ManifestProblem, suggestion } from "../core/errors.ts";
import type { SourceLocation } from "../core/types.ts";
import { GiveUp, parseFast } from "./fast.ts";
import { LineIndex, type YNode } from "./node.ts";

/** At most this many alias references are followed in one file. */
export const MAX_ALIASES = 20;

/** A parsed, schema-checked document: its plain value and the place of every mapping and field. */
export interface CheckedDocument {
  value: unknown;
  locate(obj: object, field?: string): SourceLocation;
}

type N = YNode | null | undefined;

/**
 * A value's name in messages (`"name" in key entry`, `an entry of ...`), spelled out only when a
 * message needs it: a large manifest checks many values and has few problems.
 */
class Label {
  constructor(readonly field: string | null, readonly owner: string | Label) {}
  toString(): string {
    return this.field === null ? `an entry of ${this.owner}` : `"${this.field}" in ${this.owner}`;
  }
}

class Checker {
  aliases = 0;
  /**
   * Per checked mapping: its fields' offsets, and its own under "" (never a field name); turned
   * into places only when asked. A plain map (it lives as long as the document, and a weak map
   * of tens of thousands of entries is slower to fill and to collect).
   */
  readonly offsets = new Map<object, Record<string, number>>();
  constructor(
    readonly file: string,
    readonly lines: LineIndex,
    readonly problems: ManifestProblem[],
  ) {}

  at(node: N): SourceLocation {
    return this.place(node?.offset ?? 0);
  }

  place(offset: number): SourceLocation {
    const { line, col } = this.lines.at(offset);
    return { file: this.file, line, column: col };
  }

  report(node: N, message: string): void {
    this.problems.push({ ...this.at(node), message });
  }

  resolve(node: N): N {
    if (node?.kind !== "alias") return node;
    if (++this.aliases > MAX_ALIASES) {
      if (this.aliases === MAX_ALIASES + 1) {
        this.report(node, `too many aliases (more than ${MAX_ALIASES}); write the values out`);
      }
      return undefined;
    }
    // Problems with an aliased value are reported where the alias is used.
    const target = node.resolve();
    return target && { ...target, offset: node.offset };
  }

  check(raw: N, schema: JsonSchema, label: string | Label, parent: N): unknown {
    const node = this.resolve(raw);
    if (this.aliases > MAX_ALIASES) return undefined;
    const where = node ?? parent;
    switch (schema.type) {
      case "object":
        return this.checkObject(node, schema, label, where);
      case "array":
        if (node?.kind !== "seq" && node?.kind !== "lazyseq") {
          return this.wrongType(node, where, label, "a list");
        }
        return this.checkItems(node, schema.items ?? {}, new Label(null, label));
      default:
        return this.checkScalar(node, schema, label, where);
    }
  }

  /**
   * Each entry of a list, checked. A lazy list's entries are read, checked and dropped one at a
   * time: the peak memory of a 100,000-key manifest holds one entry's tree, not the whole file's.
   */
  checkItems(node: Extract<YNode, { kind: "seq" | "lazyseq" }>, items: JsonSchema, entry: Label) {
    const length = node.kind === "lazyseq" ? node.length : node.items.length;
    const out = new Array(length);
    for (let i = 0; i < length; i++) {
      out[i] = this.check(
        node.kind === "lazyseq" ? node.item(i) : node.items[i],
        items,
        entry,
        node,
      );
    }
    return out;
  }

  checkObject(node: N, schema: JsonSchema, label: string | Label, where: N) {
    if (node?.kind !== "map") return this.wrongType(node, where, label, "a mapping");
    const out: Record<string, unknown> = {};
    // Only "" and the schema's own property names are ever set (checked with hasOwn below).
    const fields: Record<string, number> = { "": node.offset };
    const title = schema.title ?? label;
    const props = schema.properties ?? {};
    for (const pair of node.pairs) {
      const keyNode = this.resolve(pair.key);
      if (keyNode?.kind !== "scalar" || typeof keyNode.value !== "string") {
        this.report(keyNode ?? node, `field names in ${title} must be plain strings`);
        continue;
      }
      const name = keyNode.value;
      const sub = Object.hasOwn(props, name) ? props[name] : undefined;
      if (!sub) {
        const what = title === "policies" ? "policy" : "field";
        this.report(
          keyNode,
          `unknown ${what} "${name}" in ${title}${suggestion(name, Object.keys(props))}`,
        );
        continue;
      }
      fields[name] = keyNode.offset;
      const value = this.check(pair.value, sub, new Label(name, title), keyNode);
      if (value !== undefined) out[name] = value;
    }
    for (const req of schema.required ?? []) {
      if (!Object.hasOwn(fields, req)) {
        this.report(node, `missing required field "${req}" in ${title}`);
      }
    }
    const oneOf = oneOfProblem(schema, fields, String(title));
    if (oneOf) this.report(node, oneOf);
    this.offsets.set(out, fields);
    return out;
  }

  checkScalar(node: N, schema: JsonSchema, label: string | Label, where: N) {
    const expected = EXPECTED[schema.type ?? "any"];
    if (node?.kind !== "scalar") return this.wrongType(node, where, label, expected);
    const v = node.value;
    if (!hasType(schema, v)) return this.wrongType(node, where, label, expected);
    const problem = scalarProblem(schema, v, label);
    if (problem) {
      this.report(node, problem);
      return undefined;
    }
    return v;
  }

  wrongType(node: N, where: N, label: string | Label, expected: string) {
    this.report(node ?? where, `${label} must be ${expected}, not ${describe(node)}`);
    return undefined;
  }
}

function describe(node: N): string {
  if (node === null || node === undefined) return "empty";
  if (node.kind === "map") return "a mapping";
  if (node.kind === "seq" || node.kind === "lazyseq") return "a list";
  if (node.kind === "scalar") {
    const v = node.value;
    if (v === null) return "empty";
    if (typeof v === "string") return `the string ${JSON.stringify(v)}`;
    const plain = node.plain ? " (quote it to make it a string)" : "";
    return `${typeof v === "boolean" ? "the boolean" : "the number"} ${String(v)}${plain}`;
  }
  return "an unsupported value";
}

/** "auto": the fast reader when the text is in its subset, else the full one; "full": always `yaml`. */
export type Reader = "auto" | "full";

/**
 * The full reader (`readFull` in `yaml/full.ts`): YAML `text` (no BOM) as a tree, or `undefined`
 * with `problems` filled when YAML itself is unusable.
 */
export type FullReader = (
  file: string,
  text: string,
  problems: ManifestProblem[],
) => YNode | null | undefined;

/**
 * Thrown by {@link parseAndCheck} (and so by the loaders built on it) when a file needs the full
 * reader and none was passed: call again with one ({@link withFullReader} does).
 */
export class FullReaderNeeded extends Error {
  constructor(readonly file: string) {
    super(`${file} needs the full YAML reader, which was not passed`);
    this.name = "FullReaderNeeded";
  }
}

/**
 * Runs `load` without the full reader; if a file needs it, loads `yaml/full.ts` (and so the
 * `yaml` package) and runs `load` again with it. A plain manifest never pays for `yaml`.
 */
export async function withFullReader<T>(load: (full?: FullReader) => T): Promise<T> {
  try {
    return load(undefined);
  } catch (e) {
    if (!(e instanceof FullReaderNeeded)) throw e;
  }
  const { readFull } = await import("./full.ts");
  return load(readFull);
}

/**
 * Parses `text` and checks it against `schema`. Returns the document, or null with `problems`
 * filled when YAML itself is unusable. Schema problems are appended to `problems` too.
 * Throws {@link FullReaderNeeded} when the text needs the full reader and `options.full` is absent.
 */
export function parseAndCheck(
  file: string,
  rawText: string,
  schema: JsonSchema,
  problems: ManifestProblem[],
  options: { reader?: Reader; full?: FullReader } = {},
): CheckedDocument | null {
  const text = rawText.charCodeAt(0) === 0xfeff ? rawText.slice(1) : rawText;
  if (text.trim() === "" || /^(\s*#[^\n]*\n?|\s*---\s*\n?)*\s*$/.test(text)) {
    problems.push({
      file,
      line: 1,
      column: 1,
      message: `the file is empty; it needs at least ${required(schema)}`,
    });
    return null;
  }
  const lines = new LineIndex(text);
  // The fast reader when it can; the full one when it gives up. Should the fast pass find any
  // problem, the full pass runs too and its problems are the ones reported: the messages never
  // depend on which reader ran (the fast pass skips entries under a field it rejects).
  const mark = problems.length;
  let checker = new Checker(file, lines, problems);
  const full = (): { value: unknown } | null => {
    if (!options.full) throw new FullReaderNeeded(file);
    problems.length = mark;
    checker = new Checker(file, lines, problems);
    const root = options.full(file, text, problems);
    return root === undefined ? null : { value: checker.check(root, schema, "the document", null) };
  };
  const fast = options.reader === "full" ? undefined : parseFast(text);
  const result = fast === undefined ? full() : fastOrFull(() => {
    const value = checker.check(fast, schema, "the document", null);
    return problems.length > mark ? null : { value };
  }, full);
  if (result === null) return null;
  return {
    value: result.value,
    locate(obj: object, field?: string): SourceLocation {
      const o = checker.offsets.get(obj);
      const offset = (field && o && Object.hasOwn(o, field) ? o[field] : undefined) ?? o?.[""];
      return offset === undefined ? { file, line: 1, column: 1 } : checker.place(offset);
    },
  };
}

/**
 * The fast pass's result; the full pass's when the fast one found a problem (null) or an entry
 * it skimmed turned out to be outside its subset.
 */
function fastOrFull(
  fast: () => { value: unknown } | null,
  full: () => { value: unknown } | null,
): { value: unknown } | null {
  try {
    return fast() ?? full();
  } catch (e) {
    if (!(e instanceof GiveUp)) throw e;
    return full();
  }
}

/** What a value of each schema type is called in a message. */
const EXPECTED: Record<NonNullable<JsonSchema["type"]> | "any", string> = {
  any: "a value",
  string: "a string",
  boolean: "true or false",
  integer: "a whole number",
  number: "a number",
  object: "a number",
  array: "a number",
};

/** Whether a scalar has the schema's type (a scalar schema: string, boolean, integer, number). */
function hasType(schema: JsonSchema, v: unknown): boolean {
  switch (schema.type) {
    case undefined:
      return true;
    case "string":
      return typeof v === "string";
    case "boolean":
      return typeof v === "boolean";
    case "integer":
      return typeof v === "number" && Number.isInteger(v);
    default:
      return typeof v === "number";
  }
}

/** What is wrong with a scalar of the right type: not in the enum, empty, no match, too small. */
function scalarProblem(schema: JsonSchema, v: unknown, label: string | Label): string | null {
  if (schema.enum && !schema.enum.includes(v as string | number)) {
    const list = schema.enum.length > 6
      ? `one of the ${schema.enum.length} known values`
      : schema.enum.map((e) => JSON.stringify(e)).join(", ");
    const hint = typeof v === "string" ? suggestion(v, schema.enum.map(String)) : "";
    return `${label} must be ${schema.enum.length > 6 ? "" : "one of "}${list}, not ${
      JSON.stringify(v)
    }${hint}`;
  }
  if (typeof v === "string") {
    if (schema.minLength !== undefined && v.length < schema.minLength) {
      return `${label} must not be empty`;
    }
    if (schema.pattern && !new RegExp(schema.pattern).test(v)) {
      const like = schema.examples?.length
        ? ` (such as ${schema.examples.map((e) => JSON.stringify(e)).join(", ")})`
        : "";
      return `${label} must match ${schema.pattern}${like}, not ${JSON.stringify(v)}`;
    }
  }
  if (typeof v === "number" && schema.minimum !== undefined && v < schema.minimum) {
    return `${label} must be at least ${schema.minimum}, not ${v}`;
  }
  return null;
}

function required(schema: JsonSchema): string {
  const first = schema.oneOf?.[0]?.required ?? [];
  return [...(schema.required ?? []), ...first].map((r) => `"${r}"`).join(" and ");
}

/** When not exactly one `oneOf` alternative's fields are all present: what is wrong, else null. */
function oneOfProblem(schema: JsonSchema, fields: object, title: string): string | null {
  if (!schema.oneOf?.length) return null;
  const held = schema.oneOf.filter((alt) => alt.required.every((r) => Object.hasOwn(fields, r)));
  const names = schema.oneOf.map((alt) => alt.required.map((r) => `"${r}"`).join(" and "));
  if (held.length === 1) return null;
  return held.length
    ? `${names.join(" and ")} cannot both be given in ${title}; use one of them`
    : `missing required field ${names[0]} in ${title} (or ${names.slice(1).join(" or ")})`;
}
