/**
 * Secret scrubbing, in two places:
 *
 * - `scrubber(secrets).secrets(s)` and `.value(s)` on every string the server sends, where it
 *   enters the program (the wire boundary), before any renderer sees it. A value has no structure
 *   to keep, so every occurrence of a secret is replaced, whatever characters it holds.
 * - `redact(text, secrets)` on every rendered output, as a second line of defence. It cannot alter
 *   a document's structure: it only cuts runs of token characters (`[A-Za-z0-9._~+/=-]`) and whole
 *   escape units (`\u0073`, `\"`, a Markdown `\.`, `&#115;`, `&amp;`, `%73`), never a quote, `<`,
 *   `>`, a newline or half an escape. So JSON, SARIF, JUnit XML, Markdown and workflow commands
 *   stay valid after it. An XML document (`<?xml`) has no backslash escapes.
 *
 * What is found (the threat model, README "What the scrubber finds"): the admin key verbatim;
 * any piece of it of 12 or more characters (so the key without its `sk-admin-` prefix when that
 * is 12 or more characters long); the key percent-encoded, JSON-escaped or written as HTML
 * character references, wholly or in part (a secret is matched in the text as written and as
 * decoded through those escapes); and the key base64- or base64url-encoded, at any of the three
 * alignments it can have inside a larger encoded blob. A secret under 12 characters is found
 * whole (a document: as a whole word). In a value, a word drawn to look like the key (fullwidth
 * or other compatibility forms, invisible characters between its characters) is cut whole, as
 * written and after each layer of decoding (a percent-encoded UTF-8 sequence decodes to its
 * character). Besides, `value` and `redact` cut what is shaped like a
 * credential, whoever's it is: `sk-` keys with a long unmasked run, URL credentials, credential
 * query parameters and `Authorization` header values. Not found: pieces under 12 characters, the
 * key interleaved with other characters, reversed, or in any other encoding.
 *
 * The cost is linear in the text's length (lib/secrets/redact_scan.ts): no regular expression reads it.
 */
import { buildNeedles, type Found, type Needles, PIECE, scanValue } from "./redact_scan.ts";
import { scanDocument } from "./redact_doc.ts";
import { type Meter, Spans } from "./redact_units.ts";

export { PIECE };

/** What a secret is replaced with in output */
export const REDACTED = "[REDACTED]";

/**
 * The needles for `secrets`: each secret and its base64 and base64url forms at each of the three
 * alignments (the bytes from offset 0, 1 or 2, in whole 3-byte groups: what any encoding of a
 * larger blob holding the key at that alignment has in it), matched by any PIECE-character
 * window; secrets shorter than PIECE whole.
 */
function needlesFor(secrets: readonly string[]): Needles {
  const pieces: string[] = [];
  for (const s of secrets) {
    if (s.length < PIECE) continue;
    pieces.push(s);
    const bytes = new TextEncoder().encode(s);
    for (let shift = 0; shift < 3; shift++) {
      const whole = bytes.subarray(shift, shift + Math.floor((bytes.length - shift) / 3) * 3);
      const b64 = btoa(String.fromCharCode(...whole));
      pieces.push(b64, b64.replace(/\+/g, "-").replace(/\//g, "_"));
    }
  }
  return buildNeedles(pieces, secrets);
}

/** `text` with each merged span of `found` replaced by REDACTED. */
function cut(text: string, found: Found, meter: Meter): string {
  const lists = found.map((s) => s.flat).filter((f) => f.length > 0);
  if (lists.length === 0) return text;
  // The lists are sorted: merged by taking the earliest head each time.
  const merged = new Spans();
  const next = lists.map(() => 0);
  for (;;) {
    let best = -1;
    for (let l = 0; l < lists.length; l++) {
      if (next[l] < lists[l].length && (best < 0 || lists[l][next[l]] < lists[best][next[best]])) {
        best = l;
      }
    }
    meter.steps += lists.length;
    if (best < 0) break;
    merged.add(lists[best][next[best]], lists[best][next[best] + 1]);
    next[best] += 2;
  }
  const f = merged.flat;
  meter.steps += text.length;
  let out = "";
  let last = 0;
  for (let j = 0; j < f.length; j += 2) {
    out += text.slice(last, f[j]) + REDACTED;
    last = f[j + 1];
  }
  return out + text.slice(last);
}

/**
 * Replaces secrets, pieces of them and anything secret-shaped in a rendered document, without
 * altering its structure (see the module comment).
 */
export function redact(text: string, secrets: readonly string[] = []): string {
  return scrubber(secrets).redact(text);
}

/** The scrubbing functions for one set of secrets (what {@link scrubber} returns). */
export interface Scrubber {
  /** A rendered document: secrets, pieces and secret-shaped text, structure untouched. */
  redact(text: string): string;
  /**
   * A server message: every form of a secret, whatever it holds and wherever it stands; a whole
   * word drawn to look like one; and anything shaped like a credential.
   */
  value(s: string): string;
  /** A value keydrift compares: the same, without the text shaped like a credential. */
  secrets(s: string): string;
}

/**
 * The scrubbing functions for one set of secrets, with what to look for built once (callers
 * keep the scrubber; nothing is cached at module level). `meter`, when given, counts the work
 * done (tests bound it).
 */
export function scrubber(secrets: readonly string[], o: { meter?: Meter } = {}): Scrubber {
  const meter = o.meter ?? { steps: 0 };
  const needles = needlesFor(secrets);
  const plain = needles.short.length === 0;
  const memo = new Map<string, string>();
  const value = (s: string, shapes: boolean) =>
    cut(s, scanValue(s, needles, { shapes }, meter), meter);
  return {
    redact: (text) => cut(text, scanDocument(text, needles, meter), meter),
    value: (s) => value(s, true),
    secrets: (s) => {
      // Nothing under PIECE characters in ASCII can hold a window (nor decode, nor normalise,
      // into one): most short values are passed over at once.
      if (plain && s.length < PIECE && isAscii(s)) return s;
      // Server values repeat (owner names, roles, key names across projects): short ones are
      // remembered, a bounded number of them.
      const known = s.length <= MEMO_LENGTH ? memo.get(s) : undefined;
      if (known !== undefined) return known;
      const out = value(s, false);
      if (s.length <= MEMO_LENGTH) {
        if (memo.size >= MEMO_SIZE) memo.clear();
        memo.set(s, out);
      }
      return out;
    },
  };
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 127) return false;
  return true;
}

/** `secrets()` remembers values up to this long, at most this many of them. */
const MEMO_LENGTH = 64;
const MEMO_SIZE = 4096;

/**
 * Scrubs one string value from the server (a key name, an error message): every occurrence of a
 * secret, whatever characters it holds, then everything shaped like a credential.
 */
export function scrubValue(s: string, secrets: readonly string[] = []): string {
  return scrubber(secrets).value(s);
}

/** The scrubbing every output gets that needs no secret: text shaped like a credential. */
const SHAPES = scrubber([]);

/**
 * Whether the scrubbing every output gets would rewrite `s` whatever the admin key: it is (or
 * holds) text shaped like a credential (an `sk-` key, URL credentials, a `?token=` parameter, a
 * `Bearer` or `Basic` value), alone or between the path separators a fix puts around an id
 * (`/projects/<s>/api_keys`, where a trailing `?token=` or `Bearer ` takes in what follows). Such a
 * value cannot be shown as it is: ids and compared values that are fail the read (SPEC 11.1).
 */
export function shapedLikeCredential(s: string): boolean {
  if (!mayBeShaped(s)) return false;
  const framed = `/${s}/x`;
  return SHAPES.value(s) !== s || SHAPES.redact(s) !== s || SHAPES.value(framed) !== framed;
}

/**
 * False when no credential shape can be in `s`: none of `% & \ ? :` (escapes, parameters, URLs),
 * no `sk-`, no `bearer` or `basic` (any case). Most values are passed over here, in one pass.
 */
function mayBeShaped(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 37 || c === 38 || c === 92 || c === 63 || c === 58) return true;
    if (c === 45 && i >= 2 && s[i - 2] === "s" && s[i - 1] === "k") return true;
    if ((c | 32) === 98) {
      const w = s.slice(i, i + 6).toLowerCase();
      if (w === "bearer" || w.startsWith("basic")) return true;
    }
  }
  return false;
}
