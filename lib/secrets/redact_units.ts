/**
 * The escape units the scrubber reads through: a backslash escape (JSON's `\uXXXX`, `\"`, `\n`
 * ..., `textSafe`'s `\xHH` and `\u{H...}`, a Markdown escape of ASCII punctuation), an HTML
 * character reference (`&#115;`, `&#x73;`, `&period;`) and a percent-encoded byte (`%73`). Each
 * stands for one character; the scrubber matches secrets in the text as decoded, and a cut
 * always takes whole units, so that no escape is ever left half-removed.
 *
 * Every function here looks at a bounded number of characters past its start, except the digits
 * of a numeric reference, which belong to that one unit: reading a text's units is linear.
 */

/** The ASCII characters a Markdown backslash may escape (CommonMark 2.4). */
const PUNCTUATION = new Uint8Array(128);
for (const c of "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~") PUNCTUATION[c.charCodeAt(0)] = 1;

/** JSON's one-letter escapes. */
const JSON_SHORT: Record<string, number> = { b: 8, f: 12, n: 10, r: 13, t: 9 };

/**
 * The HTML5 named references that stand for ASCII characters (the key's alphabet, base64's and
 * the punctuation a renderer escapes); others stand for no character a key can hold.
 */
const NAMED: Record<string, string> = {
  amp: "&",
  AMP: "&",
  lt: "<",
  LT: "<",
  gt: ">",
  GT: ">",
  quot: '"',
  QUOT: '"',
  apos: "'",
  period: ".",
  sol: "/",
  plus: "+",
  equals: "=",
  lowbar: "_",
  UnderBar: "_",
  excl: "!",
  num: "#",
  dollar: "$",
  percnt: "%",
  lpar: "(",
  rpar: ")",
  ast: "*",
  midast: "*",
  comma: ",",
  colon: ":",
  semi: ";",
  quest: "?",
  commat: "@",
  lsqb: "[",
  lbrack: "[",
  rsqb: "]",
  rbrack: "]",
  bsol: "\\",
  Hat: "^",
  grave: "`",
  DiacriticalGrave: "`",
  lcub: "{",
  lbrace: "{",
  verbar: "|",
  vert: "|",
  VerticalLine: "|",
  rcub: "}",
  rbrace: "}",
  Tab: "\t",
  NewLine: "\n",
};
/** The longest name in {@link NAMED}. */
const LONGEST_NAME = 16;

/** One unit: its length in the text and the character code it stands for. */
export interface Unit {
  length: number;
  code: number;
}

const NONE: Unit = { length: 0, code: 0 };

/** 0-15 for a hexadecimal digit, else -1. */
function hex(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/** The value of `n` hex digits at `i`, or -1. */
function hexRun(text: string, i: number, n: number): number {
  let v = 0;
  for (let k = i; k < i + n; k++) {
    const d = hex(text.charCodeAt(k));
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

/**
 * The unit that starts at `i` (a `\`, `&` or `%`), or one of length 0. In XML (`xml`), which
 * has no backslash escapes, a backslash before a character of the markup (`"'<>&`) is no unit:
 * the `"` in `a="x\"` closes the attribute, and must never be cut.
 */
export function unitAt(text: string, i: number, xml = false): Unit {
  const c = text.charCodeAt(i);
  if (c === 37) {
    const v = hexRun(text, i + 1, 2);
    return v < 0 ? NONE : { length: 3, code: v };
  }
  if (c === 38) return referenceAt(text, i);
  if (c !== 92) return NONE;
  const u = backslashAt(text, i);
  return xml && u.length === 2 && MARKUP.includes(text[i + 1]) ? NONE : u;
}

/** The characters of XML markup. */
const MARKUP = "\"'<>&";

function backslashAt(text: string, i: number): Unit {
  const next = text[i + 1];
  if (next === "u") {
    if (text[i + 2] === "{") return bracedAt(text, i);
    const v = hexRun(text, i + 2, 4);
    return v < 0 ? NONE : { length: 6, code: v };
  }
  if (next === "x") {
    const v = hexRun(text, i + 2, 2);
    if (v >= 0) return { length: 4, code: v };
  }
  const short = JSON_SHORT[next];
  if (short !== undefined) return { length: 2, code: short };
  const code = text.charCodeAt(i + 1);
  return code < 128 && PUNCTUATION[code] === 1 ? { length: 2, code } : NONE;
}

/** `\u{H...}`: 1 to 6 hex digits, a code point; an astral one stands for its high surrogate. */
function bracedAt(text: string, i: number): Unit {
  let v = 0;
  for (let k = i + 3; k < i + 10; k++) {
    if (text[k] === "}") {
      if (k === i + 3 || v > 0x10ffff) return NONE;
      return { length: k + 1 - i, code: v > 0xffff ? 0xd800 + ((v - 0x10000) >> 10) : v };
    }
    const d = hex(text.charCodeAt(k));
    if (d < 0) return NONE;
    v = v * 16 + d;
  }
  return NONE;
}

/** `&#DDD;`, `&#xHH;` (the `;` optional, as HTML reads them) or a named reference. */
function referenceAt(text: string, i: number): Unit {
  if (text[i + 1] !== "#") {
    let k = i + 1;
    while (k < i + 2 + LONGEST_NAME && isLetter(text.charCodeAt(k))) k++;
    if (text[k] !== ";") return NONE;
    const named = NAMED[text.slice(i + 1, k)];
    return named === undefined ? NONE : { length: k + 1 - i, code: named.charCodeAt(0) };
  }
  const isHex = text[i + 2] === "x" || text[i + 2] === "X";
  const from = i + (isHex ? 3 : 2);
  let v = 0;
  let k = from;
  for (;; k++) {
    const c = text.charCodeAt(k);
    const d = isHex ? hex(c) : c >= 48 && c <= 57 ? c - 48 : -1;
    if (d < 0) break;
    v = v * (isHex ? 16 : 10) + d;
    if (v > 0x10ffff) return NONE;
  }
  if (k === from) return NONE;
  if (text[k] === ";") k++;
  return { length: k - i, code: v > 0xffff ? 0xd800 + ((v - 0x10000) >> 10) : v };
}

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** A stretch of text read through its units: the decoded text and where each character starts. */
export interface Decoded {
  text: string;
  /** `at[k]`: the offset in the original text of the unit decoded character `k` comes from;
   * `at[text.length]` is the stretch's end. */
  at: Int32Array;
}

/**
 * `text[from, to)` decoded unit by unit: each unit as the character it stands for, every other
 * character as itself. A unit that would run past `to` is read as plain characters.
 */
export function decode(text: string, from: number, to: number, xml = false): Decoded {
  const codes = new Uint16Array(to - from);
  const at = new Int32Array(to - from + 1);
  let n = 0;
  for (let i = from; i < to;) {
    const c = text.charCodeAt(i);
    const u = c === 37 || c === 38 || c === 92 ? unitAt(text, i, xml) : NONE;
    const length = u.length && i + u.length <= to ? u.length : 1;
    const utf8 = c === 37 && length === 3 && u.code >= 0xc2 ? utf8At(text, i, to, u.code) : null;
    at[n] = i;
    if (utf8) {
      // A character percent-encoded as UTF-8 (`%EF%BD%93`) decodes to itself, one or two units.
      codes[n++] = utf8.units[0];
      if (utf8.units.length === 2) (at[n] = i, codes[n++] = utf8.units[1]);
      i += utf8.length;
      continue;
    }
    codes[n++] = length > 1 ? u.code : c;
    i += length;
  }
  at[n] = to;
  let out = "";
  // In pieces: String.fromCharCode takes its arguments on the stack.
  for (let k = 0; k < n; k += 8192) {
    out += String.fromCharCode(...codes.subarray(k, Math.min(n, k + 8192)));
  }
  return { text: out, at: at.subarray(0, n + 1) };
}

/**
 * The character a run of percent-encoded bytes at `i` spells in UTF-8 (`lead` is its first byte,
 * 0xC2 to 0xF4), as UTF-16 units with the run's length in the text; null when the bytes are not a
 * whole, shortest-form UTF-8 sequence ending before `to`. Reads at most 12 characters.
 */
function utf8At(text: string, i: number, to: number, lead: number) {
  const more = lead < 0xe0 ? 1 : lead < 0xf0 ? 2 : lead <= 0xf4 ? 3 : -1;
  if (more < 0 || i + 3 * (more + 1) > to) return null;
  let cp = lead & (0x3f >> more);
  for (let k = 1; k <= more; k++) {
    const j = i + 3 * k;
    const b = text.charCodeAt(j) === 37 ? hexRun(text, j + 1, 2) : -1;
    if (b < 0x80 || b > 0xbf) return null;
    cp = (cp << 6) | (b & 0x3f);
  }
  const least = more === 1 ? 0x80 : more === 2 ? 0x800 : 0x10000;
  if (cp < least || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return null;
  const units = cp > 0xffff ? [0xd800 + ((cp - 0x10000) >> 10), 0xdc00 + (cp & 0x3ff)] : [cp];
  return { units, length: 3 * (more + 1) };
}

/**
 * `d` decoded once more (a second layer of escapes: a report escapes the escapes a server value
 * holds), offsets still in the original text; null when `d` holds no unit.
 */
export function redecode(d: Decoded): Decoded | null {
  const s = d.text;
  let units = false;
  for (let i = 0; i < s.length && !units; i++) {
    const c = s.charCodeAt(i);
    if (c === 37 || c === 38 || c === 92) units = unitAt(s, i).length > 0;
  }
  if (!units) return null;
  const again = decode(s, 0, s.length);
  const at = new Int32Array(again.at.length);
  for (let k = 0; k < at.length; k++) at[k] = d.at[again.at[k]];
  return { text: again.text, at };
}

/** Counts the work a scan does (characters read, windows compared): tests bound it. */
export interface Meter {
  steps: number;
}

/** Disjoint [start, end) spans in increasing order, merged as they are added (in order). */
export class Spans {
  /** start0, end0, start1, end1, ... */
  readonly flat: number[] = [];
  add(start: number, end: number): void {
    const f = this.flat;
    const n = f.length;
    if (n && start <= f[n - 1]) {
      if (end > f[n - 1]) f[n - 1] = end;
    } else f.push(start, end);
  }
}
