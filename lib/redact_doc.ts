/**
 * Where secrets are in a rendered document (JSON, SARIF, JUnit XML, Markdown, text, workflow
 * commands), found so that cutting them cannot alter the document's structure: a cut only ever
 * takes token characters (`[A-Za-z0-9._~+/=-]`, and in XML `#` and `;`, plain text there) and
 * whole escape units (`\u0073`, `\"`, `\.`, `&#115;`, `&amp;`, `%73`), never a quote, `<`, `>`,
 * a newline or a lone `&` or `\`. The text is split at those into segments; a secret is looked
 * for in each segment as written (the characters of an escape's tail are output bytes too:
 * `\u0000` ends in `0`), as decoded, and as decoded twice (a server value's own escapes, escaped
 * again by the format). In XML, which has no backslash escapes, a backslash before markup (`\"`)
 * is not read as one. Linear in the text's length.
 */
import { decode, redecode, unitAt } from "./redact_units.ts";
import { authCredentials, queryCredentials, skKeys, urlCredentials } from "./redact_shapes.ts";
import {
  type Found,
  isToken,
  type Meter,
  type Needles,
  PIECE,
  Roller,
  Spans,
  widen,
  windows,
} from "./redact_scan.ts";

const same = (k: number) => k;

const [BARRIER, PLAIN, UNIT] = [0, 1, 2];
/** What each ASCII character is to a segment: a token character, a unit's start, or a barrier. */
const KINDS = new Uint8Array(128).map((_, c) =>
  isToken(c) ? PLAIN : c === 37 || c === 38 || c === 92 ? UNIT : BARRIER
);
/** In XML `&amp;#115;` is a reference escaped once more: its `#` and `;` are plain text. */
const XML_KINDS = KINDS.map((k, c) => (c === 35 || c === 59 ? PLAIN : k));

/** The places in `text` a secret, a piece of one or something shaped like a credential is. */
export function scanDocument(text: string, n: Needles, meter: Meter): Found {
  const xml = text.startsWith("<?xml");
  const kinds = xml ? XML_KINDS : KINDS;
  const found: Found = [new Spans(), new Spans(), new Spans(), new Spans(), new Spans()];
  const roller = new Roller(n, meter);
  let i = 0;
  let nextSk = -1;
  while (i < text.length) {
    const start = i;
    let units = false;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      const kind = c < 128 ? kinds[c] : BARRIER;
      if (kind === PLAIN) {
        i++;
        continue;
      }
      if (kind === UNIT) {
        const u = unitAt(text, i, xml);
        if (u.length) {
          units = true;
          i += u.length;
          continue;
        }
      }
      break;
    }
    meter.steps += i - start + 1;
    if (i - start >= 4) segment(start, i, units);
    if (i === start) i++;
  }
  const shapes = [new Spans(), new Spans(), new Spans()];
  urlCredentials(text, shapes[0], meter);
  queryCredentials(text, shapes[1], meter);
  authCredentials(text, shapes[2], meter);
  return [...found, ...shapes];

  /** One segment; `units` when it holds escape units. */
  function segment(a: number, b: number, units: boolean): void {
    const [decoded, written, , keys, twice] = found;
    if (!units) {
      // Token characters only: as written and as decoded are the same, and it is one word.
      windows(text, a, b, n, same, decoded, meter);
      if (n.shortWords.size && b - a < PIECE && n.shortWords.has(text.slice(a, b))) word(a, b);
      // `sk-` and 16 more: looked for from the next `sk-` in the text, found once for all segments.
      if (b - a >= 19 && nextSk < a) nextSk = text.indexOf("sk-", a) >>> 0; // none: 2^32 - 1
      if (b - a >= 19 && nextSk < b) skKeys(text.slice(a, b), (k) => a + k, keys, meter);
      return;
    }
    // As written: the runs of token characters (widened to whole units below).
    const raw = new Spans();
    meter.steps += b - a;
    for (let r = a; r < b;) {
      while (r < b && !isToken(text.charCodeAt(r))) r++;
      const from = r;
      while (r < b && isToken(text.charCodeAt(r))) r++;
      windows(text, from, r, n, same, raw, meter);
    }
    // As decoded, read on the fly (most segments); decoded whole only when something needs it.
    if (raw.flat.length === 0 && n.shortWords.size === 0) {
      const streamed = stream(a, b);
      if (streamed) {
        for (let j = 0; j < streamed.length; j += 2) decoded.add(streamed[j], streamed[j + 1]);
        return;
      }
    }
    const d = decode(text, a, b, xml);
    meter.steps += b - a;
    const at = (k: number) => d.at[k];
    windows(d.text, 0, d.text.length, n, at, decoded, meter);
    // Through a second layer (a server value's own escapes, escaped again by the format).
    const again = redecode(d);
    if (again) {
      meter.steps += 2 * d.text.length;
      windows(again.text, 0, again.text.length, n, (k) => again.at[k], twice, meter);
    }
    const wide = widen(raw, d, meter).flat;
    for (let j = 0; j < wide.length; j += 2) written.add(wide[j], wide[j + 1]);
    if (n.shortWords.size) {
      const s = d.text;
      meter.steps += s.length;
      for (let k = 0; k < s.length;) {
        while (k < s.length && !isToken(s.charCodeAt(k))) k++;
        const from = k;
        while (k < s.length && isToken(s.charCodeAt(k))) k++;
        if (k - from < PIECE && n.shortWords.has(s.slice(from, k))) word(at(from), at(k));
      }
    }
    skKeys(d.text, at, keys, meter);
  }

  /**
   * The windows of segment [a, b) as decoded, read unit by unit with nothing built; null when
   * the segment needs decoding whole: a second layer of escapes (a unit decodes to `\\`, `&` or
   * `%`) or an `sk-` in it.
   */
  function stream(a: number, b: number): number[] | null {
    const spans = new Spans();
    roller.reset(spans);
    let before = 0;
    let last = 0;
    for (let i = a; i < b;) {
      const c = text.charCodeAt(i);
      const u = c === 37 || c === 38 || c === 92 ? unitAt(text, i, xml) : null;
      const code = u ? u.code : c;
      const length = u ? u.length : 1;
      if (u && (code === 37 || code === 38 || code === 92)) return null;
      if (code === 45 && last === 107 && before === 115) return null;
      roller.push(code, i, i + length);
      before = last;
      last = code;
      i += length;
    }
    meter.steps += b - a;
    return spans.flat;
  }

  /** A short secret as a whole word, unless it stands where the document's markup does. */
  function word(a: number, b: number): void {
    const before = text[a - 1];
    if (before === "<" || before === "/" || text[b] === "=") return;
    found[2].add(a, b);
  }
}
