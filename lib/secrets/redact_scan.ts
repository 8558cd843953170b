/**
 * The scrubber's engine: where secrets are in a text, in time linear in its length. Every
 * PIECE-character window of every needle (a secret, its encodings) goes into a set; a rolling hash
 * over the text finds the positions whose window may be one (a bitset of the needles' hashes),
 * and only those are compared. The text is read twice at most (as written, and through its escape
 * units), and each credential shape once more; the places found are kept as sorted lists of
 * disjoint spans, merged at the end. No regular expression reads the text.
 */
import { decode, type Decoded, type Meter, redecode, Spans, unitAt } from "./redact_units.ts";
import { authCredentials, queryCredentials, skKeys, urlCredentials } from "./redact_shapes.ts";

/** Pieces of a secret at least this long are redacted wherever they appear. */
export const PIECE = 12;

const TOKEN_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~+/=_-";
const IS_TOKEN = new Uint8Array(128);
for (const c of TOKEN_CHARS) IS_TOKEN[c.charCodeAt(0)] = 1;
/** A character of the runs a document's secrets can be cut from (`[A-Za-z0-9._~+/=-]`). */
export const isToken = (c: number) => c < 128 && IS_TOKEN[c] === 1;

/** What to look for, built once per set of secrets. */
export interface Needles {
  /** Every PIECE-character window of every needle. */
  windows: Set<string>;
  /** A bitset over the windows' hashes: a clear bit is a certain no. */
  bits: Int32Array;
  /** Secrets of 4 to PIECE - 1 characters: in a value, anywhere. */
  short: string[];
  /** Those made of token characters: in a document, as a whole word. */
  shortWords: Set<string>;
}

const BASE = 0x01000193;
/** BASE to the power PIECE, modulo 2^32. */
const BASE_PIECE = (() => {
  let p = 1;
  for (let i = 0; i < PIECE; i++) p = Math.imul(p, BASE);
  return p;
})();
const BITS = 18;
const slot = (h: number) => Math.imul(h, 0x9e3779b1) >>> (32 - BITS);

/** The needles for `pieces` (matched by any PIECE-character window) and `short` secrets. */
export function buildNeedles(pieces: readonly string[], short: readonly string[]): Needles {
  const windows = new Set<string>();
  const bits = new Int32Array(1 << (BITS - 5));
  for (const p of pieces) {
    for (let i = 0; i + PIECE <= p.length; i++) {
      const w = p.slice(i, i + PIECE);
      windows.add(w);
      let h = 0;
      for (let k = 0; k < PIECE; k++) h = (Math.imul(h, BASE) + w.charCodeAt(k)) | 0;
      const x = slot(h);
      bits[x >>> 5] |= 1 << (x & 31);
    }
  }
  const kept = short.filter((s) => s.length >= 4 && s.length < PIECE);
  const words = kept.filter((s) => [...s].every((c) => isToken(c.charCodeAt(0))));
  return { windows, bits, short: kept, shortWords: new Set(words) };
}

/** Adds each window of `s[from, to)` that is a needle's, as [start, end) through `at`. */
export function windows(
  s: string,
  from: number,
  to: number,
  n: Needles,
  at: (k: number) => number,
  spans: Spans,
  meter: Meter,
): void {
  if (to - from < PIECE || n.windows.size === 0) return;
  meter.steps += to - from;
  const bits = n.bits;
  let h = 0;
  for (let i = from; i < to; i++) {
    h = (Math.imul(h, BASE) + s.charCodeAt(i)) | 0;
    if (i - from < PIECE - 1) continue;
    if (i - from >= PIECE) h = (h - Math.imul(s.charCodeAt(i - PIECE), BASE_PIECE)) | 0;
    const x = slot(h);
    if ((bits[x >>> 5] & (1 << (x & 31))) === 0) continue;
    meter.steps += PIECE;
    const start = i + 1 - PIECE;
    if (n.windows.has(s.slice(start, i + 1))) spans.add(at(start), at(i + 1));
  }
}

/**
 * The windows of a stream of characters read one at a time (a text decoded as it is read, with
 * nothing built): `push` each character with where its unit starts and ends in the text.
 */
export class Roller {
  #h = 0;
  #n = 0;
  readonly #codes = new Uint16Array(PIECE);
  readonly #starts = new Int32Array(PIECE);
  #spans = new Spans();
  constructor(readonly n: Needles, readonly meter: Meter) {}

  /** Starts a new stream (a window never spans two), its windows found added to `spans`. */
  reset(spans: Spans): void {
    this.#h = 0;
    this.#n = 0;
    this.#spans = spans;
  }

  push(code: number, start: number, end: number): void {
    const k = this.#n % PIECE;
    let h = (Math.imul(this.#h, BASE) + code) | 0;
    if (this.#n >= PIECE) h = (h - Math.imul(this.#codes[k], BASE_PIECE)) | 0;
    this.#h = h;
    this.#codes[k] = code;
    this.#starts[k] = start;
    if (++this.#n < PIECE) return;
    const x = slot(h);
    if ((this.n.bits[x >>> 5] & (1 << (x & 31))) === 0) return;
    this.meter.steps += PIECE;
    let w = "";
    for (let j = 0; j < PIECE; j++) w += String.fromCharCode(this.#codes[(this.#n + j) % PIECE]);
    if (this.n.windows.has(w)) this.#spans.add(this.#starts[this.#n % PIECE], end);
  }
}

const same = (k: number) => k;
const through = (d: Decoded) => (k: number) => d.at[k];

/** Where secrets are: one sorted list of spans per kind of finding. */
export type Found = Spans[];

/** What a scan looks for beyond the needles. */
export interface ScanOptions {
  /** Text shaped like a credential, whoever's it is. */
  shapes: boolean;
  /** Words drawn to look like a secret (values only; on by default). */
  lookalikes?: boolean;
}

/**
 * A value from the server (no structure to keep): every window of a needle anywhere in it, as
 * written and through its escape units; a short secret anywhere; with `shapes`, what is shaped
 * like a credential too; and a word drawn to look like a secret (other scripts' look-alikes,
 * invisible characters between its characters) whole.
 */
export function scanValue(text: string, n: Needles, o: ScanOptions, meter: Meter): Found {
  const written = new Spans();
  windows(text, 0, text.length, n, same, written, meter);
  let units = false;
  let wide = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 37 || c === 38 || c === 92) units ||= unitAt(text, i).length > 0;
    else if (c > 127) wide = true;
  }
  meter.steps += text.length;
  const d = units ? decode(text, 0, text.length) : null;
  const found = [d ? widen(written, d, meter) : written];
  if (d) meter.steps += text.length;
  const read = d?.text ?? text;
  const at = d ? through(d) : same;
  if (d) windows(read, 0, read.length, n, at, push(found), meter);
  const twice = d && redecode(d);
  if (twice) {
    meter.steps += 2 * read.length;
    windows(twice.text, 0, twice.text.length, n, through(twice), push(found), meter);
  }
  shortSecrets(text, same, n, found, meter);
  if (d) shortSecrets(read, at, n, found, meter);
  // Look-alike forms after each layer of decoding too: a fullwidth key percent-encoded
  // (`%EF%BD%93%EF%BD%8B…`), JSON-escaped (`\uff53\uff4b…`), or as HTML references.
  if (o.lookalikes !== false) {
    if (wide) lookalikes(text, same, n, push(found), meter);
    if (d && hasWide(d.text)) lookalikes(d.text, at, n, push(found), meter);
    if (twice && hasWide(twice.text)) lookalikes(twice.text, through(twice), n, push(found), meter);
  }
  if (o.shapes) {
    skKeys(read, at, push(found), meter);
    urlCredentials(text, push(found), meter);
    queryCredentials(text, push(found), meter);
    authCredentials(text, push(found), meter);
  }
  return found;
}

/** Each secret shorter than PIECE, wherever it stands in `s` (offsets through `at`). */
function shortSecrets(
  s: string,
  at: (k: number) => number,
  n: Needles,
  found: Found,
  meter: Meter,
): void {
  for (const secret of n.short) {
    const spans = push(found);
    for (let i = s.indexOf(secret); i !== -1; i = s.indexOf(secret, i + secret.length)) {
      spans.add(at(i), at(i + secret.length));
    }
    meter.steps += s.length;
  }
}

/** A new list at the end of `found`. */
function push(found: Found): Spans {
  const s = new Spans();
  found.push(s);
  return s;
}

/** `spans` (offsets in the text) widened to whole units of `d` at both ends. */
export function widen(spans: Spans, d: Decoded, meter: Meter): Spans {
  const out = new Spans();
  const at = d.at;
  let k = 0;
  const f = spans.flat;
  for (let j = 0; j < f.length; j += 2) {
    while (k + 1 < at.length && at[k + 1] <= f[j]) k++;
    const start = at[k];
    let e = k;
    while (at[e] < f[j + 1]) e++;
    meter.steps += e - k + 1;
    out.add(start, at[e]);
  }
  return out;
}

/** Whether `s` holds a character outside ASCII. */
function hasWide(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 127) return true;
  return false;
}

/** Characters that render as nothing. */
const IGNORABLE = /\p{Default_Ignorable_Code_Point}/gu;

/** JavaScript's white space (`\s`), and the quotes: what ends a word. */
function endsWord(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || c === 34 || c === 39 || c === 96 || c === 0xa0 ||
    c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 ||
    c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/**
 * Words of `text` outside ASCII whose compatibility form, without invisible characters, holds a
 * secret: where the piece was in the word cannot be told, so the whole word goes.
 */
function lookalikes(
  text: string,
  at: (k: number) => number,
  n: Needles,
  spans: Spans,
  meter: Meter,
): void {
  let start = 0;
  let wide = false;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 32;
    if (!endsWord(c)) {
      wide ||= c > 127;
      continue;
    }
    if (wide) {
      const skeleton = text.slice(start, i).normalize("NFKC").replace(IGNORABLE, "");
      meter.steps += 2 * (i - start) + skeleton.length;
      const inner = scanValue(skeleton, n, { shapes: false, lookalikes: false }, meter);
      if (inner.some((s) => s.flat.length > 0)) spans.add(at(start), at(i));
    }
    start = i + 1;
    wide = false;
  }
  meter.steps += text.length;
}
