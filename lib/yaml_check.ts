/**
 * Parses YAML text strictly (YAML 1.2 core, one document, no tabs, no unknown tags, few
 * aliases) and checks it against a {@link JsonSchema}, reporting every problem with its place.
 * Shared by the manifest loader and the fake API's state-file loader.
 */
import { isAlias, isMap, isScalar, isSeq, type ParsedNode, parseDocument } from "yaml";
import type { JsonSchema } from "./schema.ts";
import { type ManifestProblem, suggestion } from "./errors.ts";
import type { SourceLocation } from "./types.ts";
import { GiveUp, parseFast } from "./yaml_fast.ts";
import { LineIndex, MAX_DEPTH, type YNode } from "./yaml_node.ts";

/** At most this many alias references are followed in one file. */
export const MAX_ALIASES = 20;

/** A parsed, schema-checked document: its plain value and the place of every mapping and field. */
export interface CheckedDocument {
  value: unknown;
  locate(obj: object, field?: string): SourceLocation;
}

type Doc = ReturnType<typeof parseDocument>;

/** The full reader's tree as a {@link YNode} tree (aliases resolve on demand). */
function fromYaml(node: unknown, doc: Doc): YNode | null {
  if (node === null || node === undefined) return null;
  const offset = (node as ParsedNode).range?.[0] ?? 0;
  if (isAlias(node)) {
    return { kind: "alias", offset, resolve: () => fromYaml(node.resolve(doc), doc) };
  }
  if (isMap(node)) {
    const pairs = node.items.map((p) => ({
      key: fromYaml(p.key, doc),
      value: fromYaml(p.value, doc),
    }));
    return { kind: "map", offset, pairs };
  }
  if (isSeq(node)) {
    return { kind: "seq", offset, items: node.items.map((i) => fromYaml(i, doc)) };
  }
  if (isScalar(node)) {
    return { kind: "scalar", offset, value: node.value, plain: node.type === "PLAIN" };
  }
  return { kind: "scalar", offset, value: undefined, plain: false };
}

type N = YNode | null | undefined;

class Checker {
  aliases = 0;
  /**
   * Per checked mapping: its fields' offsets, and its own under "" (never a field name); turned
   * into places only when asked.
   */
  readonly offsets = new WeakMap<object, Record<string, number>>();
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

  check(raw: N, schema: JsonSchema, label: string, parent: N): unknown {
    const node = this.resolve(raw);
    if (this.aliases > MAX_ALIASES) return undefined;
    const where = node ?? parent;
    switch (schema.type) {
      case "object":
        return this.checkObject(node, schema, label, where);
      case "array":
        if (node?.kind === "lazyseq") {
          // Read, checked and dropped one entry at a time: the peak memory of a 100,000-key
          // manifest holds one entry's tree, not the whole file's.
          const out = new Array(node.length);
          for (let i = 0; i < node.length; i++) {
            out[i] = this.check(node.item(i), schema.items ?? {}, `an entry of ${label}`, node);
          }
          return out;
        }
        if (node?.kind !== "seq") return this.wrongType(node, where, label, "a list");
        return node.items.map((item) =>
          this.check(item, schema.items ?? {}, `an entry of ${label}`, node)
        );
      default:
        return this.checkScalar(node, schema, label, where);
    }
  }

  checkObject(node: N, schema: JsonSchema, label: string, where: N) {
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
      const value = this.check(pair.value, sub, `"${name}" in ${title}`, keyNode);
      if (value !== undefined) out[name] = value;
    }
    for (const req of schema.required ?? []) {
      if (!Object.hasOwn(fields, req)) {
        this.report(node, `missing required field "${req}" in ${title}`);
      }
    }
    this.offsets.set(out, fields);
    return out;
  }

  checkScalar(node: N, schema: JsonSchema, label: string, where: N) {
    const expected = schema.type === undefined
      ? "a value"
      : schema.type === "string"
      ? "a string"
      : schema.type === "boolean"
      ? "true or false"
      : schema.type === "integer"
      ? "a whole number"
      : "a number";
    if (node?.kind !== "scalar") return this.wrongType(node, where, label, expected);
    const v = node.value;
    const ok = schema.type === undefined
      ? true
      : schema.type === "string"
      ? typeof v === "string"
      : schema.type === "boolean"
      ? typeof v === "boolean"
      : schema.type === "integer"
      ? typeof v === "number" && Number.isInteger(v)
      : typeof v === "number";
    if (!ok) return this.wrongType(node, where, label, expected);
    if (schema.enum && !schema.enum.includes(v as string | number)) {
      const list = schema.enum.length > 6
        ? `one of the ${schema.enum.length} known values`
        : schema.enum.map((e) => JSON.stringify(e)).join(", ");
      const hint = typeof v === "string" ? suggestion(v, schema.enum.map(String)) : "";
      this.report(
        node,
        `${label} must be ${schema.enum.length > 6 ? "" : "one of "}${list}, not ${
          JSON.stringify(v)
        }${hint}`,
      );
      return undefined;
    }
    if (typeof v === "string") {
      if (schema.minLength !== undefined && v.length < schema.minLength) {
        this.report(node, `${label} must not be empty`);
        return undefined;
      }
      if (schema.pattern && !new RegExp(schema.pattern).test(v)) {
        this.report(node, `${label} must match ${schema.pattern}, not ${JSON.stringify(v)}`);
        return undefined;
      }
    }
    if (typeof v === "number" && schema.minimum !== undefined && v < schema.minimum) {
      this.report(node, `${label} must be at least ${schema.minimum}, not ${v}`);
      return undefined;
    }
    return v;
  }

  wrongType(node: N, where: N, label: string, expected: string) {
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

const YAML_MESSAGES: Record<string, string> = {
  TAB_AS_INDENT: "tabs are not allowed for indentation; use spaces",
  MULTIPLE_DOCS: "the file must hold one YAML document; a second one starts here",
  TAG_RESOLVE_FAILED: "tags are not allowed here; remove the tag",
  BAD_ALIAS: "alias refers to an unknown anchor",
  RESOURCE_EXHAUSTION: "the document nests or repeats too deeply to read safely",
};

function yamlProblems(file: string, text: string, doc: Doc): ManifestProblem[] {
  const out: ManifestProblem[] = [];
  // Placed from the offset with our own line table: the yaml package's linePos misses the line
  // breaks inside tokens it recovers from, and can name a column past the end of the line.
  const lines = new LineIndex(text);
  for (const e of [...doc.errors, ...doc.warnings]) {
    const pos = lines.at(e.pos[0]);
    let message = YAML_MESSAGES[e.code] ?? firstLine(e.message);
    if (e.code === "DUPLICATE_KEY") {
      const key = /^["']?([^"':\n]*)/.exec(text.slice(e.pos[0], e.pos[0] + 200))?.[1].trim() ?? "";
      message = `duplicate key ${JSON.stringify(key)}; each key may appear once in a mapping`;
    } else if (e.code === "TAG_RESOLVE_FAILED") {
      const tag = /!\S*/.exec(text.slice(e.pos[0], e.pos[1] + 40))?.[0];
      if (tag) message = `unknown tag "${tag}"; tags are not allowed`;
    }
    out.push({ file, line: pos.line, column: pos.col, message });
  }
  return out;
}

function firstLine(message: string): string {
  const m = message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
  return m.charAt(0).toLowerCase() + m.slice(1);
}

const TOO_DEEP = `the document nests more than ${MAX_DEPTH} levels deep; no manifest needs that`;

/**
 * Characters YAML forbids (controls, U+FFFE/U+FFFF, lone surrogates) and bidirectional controls,
 * which can make a manifest read differently from how it parses: the first of each on its line.
 */
const FORBIDDEN =
  // deno-lint-ignore no-control-regex -- these are exactly the characters it looks for
  /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff\u202a-\u202e\u2066-\u2069]|\p{Cs}/gu;

function characterProblems(file: string, text: string): ManifestProblem[] {
  const out: ManifestProblem[] = [];
  let lines: LineIndex | null = null;
  let lastLine = 0;
  for (const m of text.matchAll(FORBIDDEN)) {
    lines ??= new LineIndex(text);
    const { line, col } = lines.at(m.index);
    if (line === lastLine) continue;
    lastLine = line;
    const cp = m[0].codePointAt(0)!;
    const code = `U+${cp.toString(16).toUpperCase().padStart(4, "0")}`;
    const bidi = (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
    out.push({
      file,
      line,
      column: col,
      message: bidi
        ? `bidirectional control character ${code} is not allowed: it can make the text read differently from how it parses`
        : `character ${code} is not allowed in YAML; remove it`,
    });
  }
  return out;
}

/** Flow brackets (outside quotes and comments) nested deeper than {@link MAX_DEPTH}. */
function depthProblems(file: string, text: string): ManifestProblem[] {
  let depth = 0;
  let quote = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (quote) {
      if (c === quote) quote = 0;
      else if (c === 92 && quote === 34) i++;
      continue;
    }
    if (c === 34 || c === 39) quote = c;
    else if (c === 35 && (i === 0 || text.charCodeAt(i - 1) <= 32)) {
      const nl = text.indexOf("\n", i);
      i = nl < 0 ? text.length : nl;
    } else if (c === 91 || c === 123) {
      if (++depth > MAX_DEPTH) {
        const { line, col } = new LineIndex(text).at(i);
        return [{ file, line, column: col, message: TOO_DEEP }];
      }
    } else if (c === 93 || c === 125) depth = Math.max(0, depth - 1);
  }
  return [];
}

/** Every tab used in indentation, located (YAML forbids them and readers disagree on them). */
function tabProblems(file: string, text: string): ManifestProblem[] {
  const out: ManifestProblem[] = [];
  let line = 1;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    for (let i = start; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c === 9) {
        out.push({ file, line, column: i - start + 1, message: YAML_MESSAGES.TAB_AS_INDENT });
        break;
      }
      if (c !== 32) break;
    }
    line++;
    start = end + 1;
  }
  return out;
}

/** "auto": the fast reader when the text is in its subset, else the full one; "full": always `yaml`. */
export type Reader = "auto" | "full";

/**
 * Reads YAML `text` (no BOM) into a tree with the full reader. Returns `undefined`, with
 * `problems` filled, when YAML itself is unusable.
 */
export function readFull(
  file: string,
  text: string,
  problems: ManifestProblem[],
): YNode | null | undefined {
  const early = [...characterProblems(file, text), ...depthProblems(file, text)];
  if (early.length) {
    problems.push(...early);
    return undefined;
  }
  try {
    const doc = parseDocument(text, {
      schema: "core",
      version: "1.2",
      uniqueKeys: true,
      prettyErrors: false,
      strict: true,
      stringKeys: false,
    });
    const yamlErrors = [...tabProblems(file, text), ...yamlProblems(file, text, doc)];
    if (yamlErrors.length > 0) {
      const seen = new Set<string>();
      for (const p of yamlErrors.sort((a, b) => a.line - b.line || a.column - b.column)) {
        const k = `${p.line}:${p.column}:${p.message}`;
        if (!seen.has(k)) problems.push(p), seen.add(k);
      }
      return undefined;
    }
    return fromYaml(doc.contents, doc);
  } catch (e) {
    // Nesting the bracket scan cannot see (deep block structure) still must not crash the run.
    if (!(e instanceof RangeError)) throw e;
    problems.push({ file, line: 1, column: 1, message: TOO_DEEP });
    return undefined;
  }
}

/**
 * Parses `text` and checks it against `schema`. Returns the document, or null with `problems`
 * filled when YAML itself is unusable. Schema problems are appended to `problems` too.
 */
export function parseAndCheck(
  file: string,
  rawText: string,
  schema: JsonSchema,
  problems: ManifestProblem[],
  options: { reader?: Reader } = {},
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
    problems.length = mark;
    checker = new Checker(file, lines, problems);
    const root = readFull(file, text, problems);
    return root === undefined ? null : { value: checker.check(root, schema, "the document", null) };
  };
  let result: { value: unknown } | null;
  const fast = options.reader === "full" ? undefined : parseFast(text);
  if (fast === undefined) result = full();
  else {
    try {
      result = { value: checker.check(fast, schema, "the document", null) };
      if (problems.length > mark) result = full();
    } catch (e) {
      // An entry the fast reader skimmed turned out to be outside its subset.
      if (!(e instanceof GiveUp)) throw e;
      result = full();
    }
  }
  if (result === null) return null;
  const { value } = result;
  return {
    value,
    locate(obj: object, field?: string): SourceLocation {
      const o = checker.offsets.get(obj);
      const offset = (field && o && Object.hasOwn(o, field) ? o[field] : undefined) ?? o?.[""];
      return offset === undefined ? { file, line: 1, column: 1 } : checker.place(offset);
    },
  };
}

function required(schema: JsonSchema): string {
  return (schema.required ?? []).map((r) => `"${r}"`).join(" and ");
}
