/**
 * The parts of the fast reader (`yaml/fast.ts`) that fit on one line: plain scalars resolved as
 * the YAML 1.2 core schema does, quoted scalars, and one-line flow collections. Anything outside
 * the subset throws {@link GiveUp}.
 */
import { MAX_DEPTH, type YNode, type YScalar } from "./node.ts";

const NULL = /^(?:~|[Nn]ull|NULL)?$/;
const BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const INT = /^[-+]?[0-9]+$/;
const OCT = /^0o[0-7]+$/;
const HEX = /^0x[0-9a-fA-F]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;
const SPECIAL_FLOAT = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
/** A first character that could make a plain scalar something else (number, null, ...). */
const MAYBE_TYPED = /^[-+.~0-9nNtTfF]/;

/** Resolves a plain scalar as the YAML 1.2 core schema does. */
export function resolvePlain(s: string): unknown {
  if (s === "") return null;
  if (!MAYBE_TYPED.test(s)) return s;
  if (NULL.test(s)) return null;
  if (BOOL.test(s)) return s[0] === "t" || s[0] === "T";
  if (OCT.test(s)) return parseInt(s.slice(2), 8);
  if (INT.test(s)) return parseInt(s, 10);
  if (HEX.test(s)) return parseInt(s.slice(2), 16);
  if (SPECIAL_FLOAT.test(s)) {
    return s.slice(-3).toLowerCase() === "nan" ? NaN : s[0] === "-" ? -Infinity : Infinity;
  }
  if (FLOAT.test(s)) return parseFloat(s);
  return s;
}

/** Thrown when the text leaves the subset; when a lazy item throws it, read the file again in full. */
export class GiveUp {}
/** The one {@link GiveUp} thrown (it carries nothing). */
export const GIVE_UP = new GiveUp();

/** Character codes the readers test for: space, `#`, `-`, `:` and `,`. */
export const SP = 32;
/** `#` */
export const HASH = 35;
/** `-` */
export const DASH = 45;
/** `:` */
export const COLON = 58;
/** `,` */
export const COMMA = 44;

/** Characters a plain scalar may not start with (YAML indicators), besides "-" + space. */
export function badPlainStart(c: number): boolean {
  // ? : , [ ] { } # & * ! | > ' " % @ `
  return c === 63 || c === COLON || c === COMMA || c === 91 || c === 93 || c === 123 ||
    c === 125 || c === HASH || c === 38 || c === 42 || c === 33 || c === 124 || c === 62 ||
    c === 39 || c === 34 || c === 37 || c === 64 || c === 96;
}

const isFlowEnd = (c: number) => c === COMMA || c === 93 || c === 125 || c === 91 || c === 123;

/** One-line flow collections: `[a, "b"]`, `{ name: x, owner: { type: user } }`. */
export class FlowReader {
  constructor(
    readonly t: string,
    public i: number,
    readonly end: number,
    public depth: number,
  ) {}

  spaces(): void {
    while (this.i < this.end && this.t.charCodeAt(this.i) === SP) this.i++;
    if (this.i >= this.end || this.t.charCodeAt(this.i) === HASH) throw GIVE_UP; // spans lines
  }

  /** The node at the current position: a flow collection, a quoted or a plain scalar. */
  node(): YNode {
    const t = this.t;
    const start = this.i;
    const c = t.charCodeAt(start);
    if (c === 91 || c === 123) return this.collection(c === 91);
    if (c === 34 || c === 39) {
      const close = quoteEnd(t, start, this.end);
      this.i = close + 1;
      return quoted(t, start, close);
    }
    if (badPlainStart(c) || c === DASH && t.charCodeAt(start + 1) === SP) throw GIVE_UP;
    let j = start;
    for (; j < this.end; j++) {
      const d = t.charCodeAt(j);
      if (isFlowEnd(d)) break;
      if (d === HASH && t.charCodeAt(j - 1) === SP) throw GIVE_UP;
      if (d === COLON) {
        const n = t.charCodeAt(j + 1);
        if (j + 1 === this.end || n === SP || isFlowEnd(n)) break;
      }
    }
    this.i = j;
    let e = j;
    while (t.charCodeAt(e - 1) === SP) e--;
    return { kind: "scalar", offset: start, value: resolvePlain(t.slice(start, e)), plain: true };
  }

  /** A `[...]` sequence or a `{...}` mapping starting at the current position. */
  collection(isSeq: boolean): YNode {
    const t = this.t;
    const start = this.i;
    if (++this.depth > MAX_DEPTH) throw GIVE_UP;
    const closer = isSeq ? 93 : 125;
    this.i++;
    // One list per collection: its items or its pairs.
    const items: YNode[] = isSeq ? [] : NONE;
    const pairs: { key: YNode; value: YNode | null }[] = isSeq ? NONE : [];
    // Past a few pairs (a long generated or hostile line), keys are looked up in a set.
    let seen: Set<unknown> | null = null;
    this.spaces();
    while (t.charCodeAt(this.i) !== closer) {
      if (isSeq) {
        items.push(this.node());
        this.spaces();
        if (t.charCodeAt(this.i) === COLON) throw GIVE_UP; // single-pair mapping
      } else {
        const key = this.node();
        if (key.kind !== "scalar" || typeof key.value !== "string") throw GIVE_UP;
        if (pairs.length >= 8) seen ??= new Set(pairs.map((p) => (p.key as YScalar).value));
        if (seen ? seen.has(key.value) : repeats(pairs, key.value)) throw GIVE_UP;
        seen?.add(key.value);
        pairs.push({ key, value: this.pairValue(closer) });
        this.spaces();
      }
      const sep = t.charCodeAt(this.i);
      if (sep === COMMA) {
        this.i++;
        this.spaces();
        if (t.charCodeAt(this.i) === COMMA) throw GIVE_UP;
      } else if (sep !== closer) throw GIVE_UP;
    }
    this.i++;
    this.depth--;
    return isSeq ? { kind: "seq", offset: start, items } : { kind: "map", offset: start, pairs };
  }

  /** After a mapping key: `: ` and the value (an absent one is null, placed where it would be). */
  pairValue(closer: number): YNode {
    const t = this.t;
    this.spaces();
    if (t.charCodeAt(this.i) !== COLON || t.charCodeAt(this.i + 1) !== SP) throw GIVE_UP;
    this.i++;
    this.spaces();
    const v = t.charCodeAt(this.i);
    return v === COMMA || v === closer
      ? { kind: "scalar", offset: this.i, value: null, plain: true }
      : this.node();
  }
}

/** The list a flow collection does not use (never written to). */
const NONE = Object.freeze([]) as never[];

/** Whether a one-line flow mapping already has the key `name` (a few pairs: no set needed). */
function repeats(pairs: readonly { key: YNode }[], name: string): boolean {
  for (const p of pairs) if ((p.key as YScalar).value === name) return true;
  return false;
}

/** Offset of the quote closing the one at `i`, before `end`; -1 if none. Escapes give up. */
export function quoteEnd(t: string, i: number, end: number): number {
  const q = t.charCodeAt(i);
  for (let j = i + 1; j < end; j++) {
    const d = t.charCodeAt(j);
    if (d === 92 && q === 34) throw GIVE_UP; // escapes: the full reader
    if (d === q) {
      if (q === 39 && t.charCodeAt(j + 1) === 39) {
        j++;
        continue;
      }
      return j;
    }
  }
  return -1;
}

/** The quoted scalar from `start` to its closing quote at `close` (-1: unclosed, give up). */
export function quoted(t: string, start: number, close: number): YScalar {
  if (close < 0) throw GIVE_UP;
  const body = t.slice(start + 1, close);
  const value = t.charCodeAt(start) === 39 ? body.replaceAll("''", "'") : body;
  return { kind: "scalar", offset: start, value, plain: false };
}
