/**
 * A fast reader for the plain subset of YAML 1.2 that manifests are written in: block mappings
 * and sequences, one-line plain and quoted scalars, one-line flow collections, comments. It
 * builds the same {@link YNode} tree (same values, same offsets) as the full `yaml` reader does
 * for that subset, ten times faster or more. Block-sequence entries are only skimmed at first
 * and read when the checker asks for them (`lazyseq`), so a large manifest is never one big tree.
 * Anything outside the subset (anchors, aliases, tags, block scalars, multi-line scalars,
 * escapes, directives, duplicate keys, anything invalid) makes it give up: `parseFast` returns
 * `undefined`, or reading an entry later throws {@link GiveUp}; either way the caller reads the
 * file with the full reader, which also writes the located error messages. It never decides
 * that input is wrong.
 */
import { MAX_DEPTH, type YNode, type YScalar } from "./node.ts";
import {
  badPlainStart,
  COLON,
  DASH,
  FlowReader,
  GIVE_UP,
  GiveUp,
  HASH,
  quoted,
  quoteEnd,
  resolvePlain,
  SP,
} from "./inline.ts";

export { GiveUp, resolvePlain };

/** Characters that send a file to the full reader wherever they appear. */
const UNUSUAL =
  // deno-lint-ignore no-control-regex -- these are exactly the characters it looks for
  /[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff\ufffe\uffff\ud800-\udfff]|\r(?!\n)/;

/** Parses `text` (no BOM) if it is in the fast subset; `undefined` means "use the full reader". */
export function parseFast(text: string): YNode | undefined {
  if (UNUSUAL.test(text)) return undefined;
  try {
    return new FastReader(text).document();
  } catch (e) {
    if (e === GIVE_UP) return undefined;
    throw e;
  }
}

class FastReader {
  /** Significant lines: start of content, end (before \r\n), and the content's column. */
  readonly starts: number[] = [];
  readonly ends: number[] = [];
  readonly cols: number[] = [];
  /** Current line index; `pos`/`col` may point into it (after "- ") instead of its start. */
  li = 0;
  pos = 0;
  col = 0;

  constructor(readonly t: string) {
    let start = 0;
    let first = true;
    const n = t.length;
    while (start < n) {
      let end = t.indexOf("\n", start);
      if (end < 0) end = n;
      const next = end + 1;
      if (end > start && t.charCodeAt(end - 1) === 13) end--;
      let i = start;
      while (i < end && t.charCodeAt(i) === SP) i++;
      if (i < end && t.charCodeAt(i) !== HASH) {
        if (i === start) {
          const c = t.charCodeAt(i);
          if (c === 37) throw GIVE_UP; // directive
          if ((c === DASH || c === 46) && isMarker(t, i, end)) {
            // One leading "---" is allowed; anything else is a multi-document file.
            if (!first || c !== DASH || this.trailing(i + 3, end) !== end) throw GIVE_UP;
            start = next;
            first = false;
            continue;
          }
        }
        first = false;
        this.starts.push(i);
        this.ends.push(end);
        this.cols.push(i - start);
      }
      start = next;
    }
    this.enter(0);
  }

  /** Moves to significant line `li`. */
  enter(li: number): void {
    this.li = li;
    if (li < this.starts.length) {
      this.pos = this.starts[li];
      this.col = this.cols[li];
    } else {
      this.col = -1;
    }
  }

  get end(): number {
    return this.ends[this.li];
  }

  /** Skips spaces from `i`; returns `end` if only spaces and a comment follow. */
  trailing(i: number, end: number): number {
    const t = this.t;
    while (i < end && t.charCodeAt(i) === SP) i++;
    if (i < end && t.charCodeAt(i) === HASH && t.charCodeAt(i - 1) === SP) return end;
    return i;
  }

  document(): YNode {
    if (this.starts.length === 0 || this.col !== 0) throw GIVE_UP;
    const node = this.block(-1);
    if (this.li < this.starts.length) throw GIVE_UP;
    return node;
  }

  depth = 0;

  /** A node starting at the current position, whose column is greater than `parent`. */
  block(parent: number): YNode {
    if (++this.depth > MAX_DEPTH) throw GIVE_UP;
    try {
      return this.blockAt(parent);
    } finally {
      this.depth--;
    }
  }

  blockAt(parent: number): YNode {
    const t = this.t;
    const c = t.charCodeAt(this.pos);
    if (c === DASH && (this.pos + 1 === this.end || t.charCodeAt(this.pos + 1) === SP)) {
      return this.sequence(this.col);
    }
    if (this.keyEnd() >= 0) return this.mapping(this.col);
    const node = this.inline(this.pos, this.end);
    this.enter(this.li + 1);
    if (this.col > parent) throw GIVE_UP; // a continuation line or bad indentation
    return node;
  }

  /**
   * A block sequence whose items are read on demand: each item's lines are only skimmed here (the
   * lines indented deeper than its dash), so that the checker can read, check and drop one entry
   * at a time. An item that turns out to be outside the subset gives up when it is read.
   */
  sequence(ind: number): YNode {
    const t = this.t;
    const offset = this.pos;
    const depth = this.depth;
    // Per item: its dash's line and offset (plain number arrays: no object per item).
    const lines: number[] = [];
    const dashes: number[] = [];
    while (this.col === ind) {
      const p = this.pos;
      if (t.charCodeAt(p) !== DASH || (p + 1 !== this.end && t.charCodeAt(p + 1) !== SP)) break;
      lines.push(this.li);
      dashes.push(p);
      let next = this.li + 1;
      while (next < this.cols.length && this.cols[next] > ind) next++;
      this.enter(next);
    }
    const end = this.li;
    return {
      kind: "lazyseq",
      offset,
      length: lines.length,
      item: (i) =>
        this.item(lines[i], dashes[i], ind, depth, i + 1 < lines.length ? lines[i + 1] : end),
    };
  }

  /** Reads the sequence item whose dash is at `p` (line `li`, column `ind`), ending before line `end`. */
  item(li: number, p: number, ind: number, depth: number, end: number): YNode {
    const savedLi = this.li;
    const savedPos = this.pos;
    const savedCol = this.col;
    const savedDepth = this.depth;
    this.li = li;
    this.pos = p;
    this.col = ind;
    this.depth = depth;
    try {
      const after = this.trailing(p + 1, this.end);
      let node: YNode;
      if (after === this.end) {
        const absent = this.absent(p);
        this.enter(this.li + 1);
        node = this.col > ind && this.li < end ? this.block(ind) : absent;
      } else {
        this.col += after - p;
        this.pos = after;
        node = this.block(ind);
      }
      if (this.li !== end) throw GIVE_UP;
      return node;
    } finally {
      this.li = savedLi;
      this.pos = savedPos;
      this.col = savedCol;
      this.depth = savedDepth;
    }
  }

  /** The null of an absent value: placed after the indicator at `i` and the spaces after it. */
  absent(i: number): YScalar {
    let at = i + 1;
    while (at < this.end && this.t.charCodeAt(at) === SP) at++;
    return { kind: "scalar", offset: at, value: null, plain: true };
  }

  mapping(ind: number): YNode {
    const t = this.t;
    const pairs: { key: YNode; value: YNode | null }[] = [];
    const seen = new Set<string>();
    const offset = this.pos;
    while (this.col === ind) {
      const keyStart = this.pos;
      const colon = this.keyEnd();
      if (colon < 0) throw GIVE_UP;
      const key = this.key(keyStart, colon);
      if (seen.has(key.value as string)) throw GIVE_UP;
      seen.add(key.value as string);
      const after = this.trailing(colon + 1, this.end);
      let value: YNode;
      if (after === this.end) {
        const absent = this.absent(colon);
        this.enter(this.li + 1);
        const c = t.charCodeAt(this.pos);
        if (this.col > ind) value = this.block(ind);
        else if (
          this.col === ind && c === DASH &&
          (this.pos + 1 === this.end || t.charCodeAt(this.pos + 1) === SP)
        ) value = this.sequence(ind);
        else value = absent;
      } else {
        value = this.inline(after, this.end);
        this.enter(this.li + 1);
        if (this.col > ind) throw GIVE_UP;
      }
      pairs.push({ key, value });
    }
    if (this.col > ind) throw GIVE_UP;
    return { kind: "map", offset, pairs };
  }

  /** If the current position starts `key:`, the offset of that colon; else -1. */
  keyEnd(): number {
    const t = this.t;
    const end = this.end;
    let i = this.pos;
    const c = t.charCodeAt(i);
    if (c === 34 || c === 39) {
      const close = quoteEnd(this.t, i, end);
      if (close < 0) return -1;
      i = close + 1;
      while (i < end && t.charCodeAt(i) === SP) i++;
      return t.charCodeAt(i) === COLON && (i + 1 === end || t.charCodeAt(i + 1) === SP) ? i : -1;
    }
    if (badPlainStart(c) || (c === DASH && t.charCodeAt(i + 1) === SP)) return -1;
    for (; i < end; i++) {
      const d = t.charCodeAt(i);
      if (d === COLON && (i + 1 === end || t.charCodeAt(i + 1) === SP)) return i;
      if (d === HASH && t.charCodeAt(i - 1) === SP) return -1;
    }
    return -1;
  }

  /** The key before a colon found by {@link keyEnd}; only string keys are in the subset. */
  key(start: number, colon: number): YScalar {
    const t = this.t;
    if (colon - start > 1024) throw GIVE_UP;
    const c = t.charCodeAt(start);
    if (c === 34 || c === 39) {
      return quoted(this.t, start, quoteEnd(this.t, start, colon));
    }
    let e = colon;
    while (t.charCodeAt(e - 1) === SP) e--;
    const raw = t.slice(start, e);
    const value = resolvePlain(raw);
    if (typeof value !== "string") throw GIVE_UP;
    return { kind: "scalar", offset: start, value, plain: true };
  }

  /** Offset of the quote closing the one at `i`, on this line; -1 if none. */
  /** A value that takes the rest of the line (`start` to `end`), in block context. */
  inline(start: number, end: number): YNode {
    const t = this.t;
    const c = t.charCodeAt(start);
    let node: YNode;
    let after: number;
    if (c === 34 || c === 39) {
      const close = quoteEnd(t, start, end);
      node = quoted(t, start, close);
      after = close + 1;
    } else if (c === 91 || c === 123) {
      const r = new FlowReader(t, start, end, this.depth);
      node = r.node();
      after = r.i;
    } else {
      if (
        badPlainStart(c) || (c === DASH && (start + 1 === end || t.charCodeAt(start + 1) === SP))
      ) {
        throw GIVE_UP;
      }
      let i = start;
      for (; i < end; i++) {
        const d = t.charCodeAt(i);
        if (d === HASH && t.charCodeAt(i - 1) === SP) break;
        if (d === COLON && (i + 1 === end || t.charCodeAt(i + 1) === SP)) throw GIVE_UP;
      }
      let e = i;
      while (t.charCodeAt(e - 1) === SP) e--;
      return { kind: "scalar", offset: start, value: resolvePlain(t.slice(start, e)), plain: true };
    }
    if (this.trailing(after, end) !== end) throw GIVE_UP;
    return node;
  }
}

/** A `---` or `...` marker at `i` (followed by a space or the end of the line). */
function isMarker(t: string, i: number, end: number): boolean {
  const c = t.charCodeAt(i);
  return t.charCodeAt(i + 1) === c && t.charCodeAt(i + 2) === c &&
    (i + 3 === end || t.charCodeAt(i + 3) === SP);
}
