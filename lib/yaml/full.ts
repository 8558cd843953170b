/**
 * The full YAML reader: the `yaml` package, strict (YAML 1.2 core, one document, no tabs, no
 * unknown tags), with every problem located in our own words. Loaded only when a file leaves the
 * fast reader's subset (see `withFullReader` in `yaml/check.ts`): importing `yaml` costs about
 * 95 ms of start-up, which a plain manifest never pays.
 */
import { append } from "../core/arrays.ts";
import { isAlias, isMap, isScalar, isSeq, type ParsedNode, parseDocument } from "yaml";
import type { ManifestProblem } from "../core/errors.ts";
import { LineIndex, MAX_DEPTH, type YNode } from "./node.ts";

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
    append(problems, early);
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
