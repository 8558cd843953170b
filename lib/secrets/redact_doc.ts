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
import { decode, type Meter, redecode, Spans, unitAt } from "./redact_units.ts";
import { authCredentials, queryCredentials, skKeys, urlCredentials } from "./redact_shapes.ts";
import { type Found, isToken, type Needles, PIECE, Roller, widen, windows } from "./redact_scan.ts";

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
  const scan = new DocumentScan(text, n, meter);
  scan.segments();
  const shapes = [new Spans(), new Spans(), new Spans()];
  urlCredentials(text, shapes[0], meter);
  queryCredentials(text, shapes[1], meter);
  authCredentials(text, shapes[2], meter);
  return [scan.decoded, scan.written, scan.words, scan.keys, scan.twice, ...shapes];
}

/** One document's segments, and what is found in them, one sorted list per kind. */
class DocumentScan {
  readonly decoded = new Spans();
  readonly written = new Spans();
  readonly words = new Spans();
  readonly keys = new Spans();
  readonly twice = new Spans();
  readonly xml: boolean;
  readonly #roller: Roller;
  /** Where the next `sk-` is (from the last segment that looked on), 2^32 - 1 for none. */
  #nextSk = -1;

  constructor(readonly text: string, readonly n: Needles, readonly meter: Meter) {
    this.xml = text.startsWith("<?xml");
    this.#roller = new Roller(n, meter);
  }

  /** Splits the text at its barriers and scans each segment of 4 or more characters. */
  segments(): void {
    const { text, xml } = this;
    const kinds = xml ? XML_KINDS : KINDS;
    let i = 0;
    while (i < text.length) {
      const start = i;
      let units = false;
      for (; i < text.length; i++) {
        const c = text.charCodeAt(i);
        const kind = c < 128 ? kinds[c] : BARRIER;
        if (kind === PLAIN) continue;
        const length = kind === UNIT ? unitAt(text, i, xml).length : 0;
        if (length === 0) break;
        units = true;
        i += length - 1;
      }
      this.meter.steps += i - start + 1;
      if (i - start >= 4 && units) this.escaped(start, i);
      else if (i - start >= 4) this.plain(start, i);
      if (i === start) i++;
    }
  }

  /** A segment of token characters only: as written and as decoded are the same, one word. */
  plain(a: number, b: number): void {
    const { text, n } = this;
    windows(text, a, b, n, same, this.decoded, this.meter);
    if (n.shortWords.size && b - a < PIECE && n.shortWords.has(text.slice(a, b))) this.word(a, b);
    // `sk-` and 16 more: looked for from the next `sk-` in the text, found once for all segments.
    if (b - a < 19) return;
    if (this.#nextSk < a) this.#nextSk = text.indexOf("sk-", a) >>> 0;
    if (this.#nextSk < b) skKeys(text.slice(a, b), (k) => a + k, this.keys, this.meter);
  }

  /**
   * A segment with escape units: its runs of token characters as written (widened to whole
   * units), and the segment as decoded, read on the fly; decoded whole only when something needs
   * it (a window as written, a short word, an `sk-`, a second layer of escapes).
   */
  escaped(a: number, b: number): void {
    const { text, n, meter } = this;
    const raw = new Spans();
    meter.steps += b - a;
    for (let r = a; r < b;) {
      while (r < b && !isToken(text.charCodeAt(r))) r++;
      const from = r;
      while (r < b && isToken(text.charCodeAt(r))) r++;
      windows(text, from, r, n, same, raw, meter);
    }
    const streamed = raw.flat.length || n.shortWords.size ? null : this.stream(a, b);
    if (streamed) {
      for (let j = 0; j < streamed.length; j += 2) this.decoded.add(streamed[j], streamed[j + 1]);
    } else this.whole(a, b, raw);
  }

  /** A segment decoded whole: as decoded once and twice, as written, its words and `sk-` keys. */
  whole(a: number, b: number, raw: Spans): void {
    const { n, meter } = this;
    const d = decode(this.text, a, b, this.xml);
    meter.steps += b - a;
    const at = (k: number) => d.at[k];
    windows(d.text, 0, d.text.length, n, at, this.decoded, meter);
    // Through a second layer (a server value's own escapes, escaped again by the format).
    const again = redecode(d);
    if (again) {
      meter.steps += 2 * d.text.length;
      windows(again.text, 0, again.text.length, n, (k) => again.at[k], this.twice, meter);
    }
    const wide = widen(raw, d, meter).flat;
    for (let j = 0; j < wide.length; j += 2) this.written.add(wide[j], wide[j + 1]);
    if (n.shortWords.size) {
      const s = d.text;
      meter.steps += s.length;
      for (let k = 0; k < s.length;) {
        while (k < s.length && !isToken(s.charCodeAt(k))) k++;
        const from = k;
        while (k < s.length && isToken(s.charCodeAt(k))) k++;
        if (k - from < PIECE && n.shortWords.has(s.slice(from, k))) this.word(at(from), at(k));
      }
    }
    skKeys(d.text, at, this.keys, meter);
  }

  /**
   * The windows of segment [a, b) as decoded, read unit by unit with nothing built; null when
   * the segment needs decoding whole: a second layer of escapes (a unit decodes to `\\`, `&` or
   * `%`) or an `sk-` in it.
   */
  stream(a: number, b: number): number[] | null {
    const { text, xml } = this;
    const spans = new Spans();
    this.#roller.reset(spans);
    let before = 0;
    let last = 0;
    for (let i = a; i < b;) {
      const c = text.charCodeAt(i);
      const u = c === 37 || c === 38 || c === 92 ? unitAt(text, i, xml) : null;
      const code = u ? u.code : c;
      const length = u ? u.length : 1;
      if (u && (code === 37 || code === 38 || code === 92)) return null;
      if (code === 45 && last === 107 && before === 115) return null;
      this.#roller.push(code, i, i + length);
      before = last;
      last = code;
      i += length;
    }
    this.meter.steps += b - a;
    return spans.flat;
  }

  /** A short secret as a whole word, unless it stands where the document's markup does. */
  word(a: number, b: number): void {
    const before = this.text[a - 1];
    if (before === "<" || before === "/" || this.text[b] === "=") return;
    this.words.add(a, b);
  }
}
