/**
 * Text shaped like a credential, whoever's it is, found in one left-to-right pass each and no
 * regular expression: `sk-` keys with a long unmasked run, URL credentials (`scheme://user:pw@`),
 * credential query parameters (`?token=...`, `&amp;api_key=...`) and `Bearer`/`Basic` header
 * values. Each finds exactly what these expressions did (tests/redact_linear_test.ts holds them
 * as the reference), in time linear in the text:
 *
 *     (?<![A-Za-z0-9_])sk-(?=[A-Za-z0-9_-]{16,})   then the [A-Za-z0-9_-] run after `sk-`
 *     \b[a-z][a-z0-9+.-]*:\/\/([A-Za-z0-9._~+=!$()*,;%:-]+)@                                  (i)
 *     (?:[?&]|&amp;)(?:api[_-]?key|key|token|access_token|secret|password)=([A-Za-z0-9._~+/=%-]+) (i)
 *     \b(?:Bearer|Basic)[ \t]+([A-Za-z0-9._~+/=-]+)                                           (i)
 */
import type { Meter, Spans } from "./redact_units.ts";

function table(chars: string): Uint8Array {
  const t = new Uint8Array(128);
  for (const c of chars) t[c.charCodeAt(0)] = 1;
  return t;
}
const DIGITS = "0123456789";
const LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const WORD = table(LETTERS + DIGITS + "_");
const SK_TAIL = table(LETTERS + DIGITS + "_-");
const SCHEME = table(LETTERS + DIGITS + "+.-");
const USERINFO = table(LETTERS + DIGITS + "._~+=!$()*,;%:-");
const QUERY_VALUE = table(LETTERS + DIGITS + "._~+/=%-");
const AUTH_VALUE = table(LETTERS + DIGITS + "._~+/=-");
const is = (t: Uint8Array, c: number) => c < 128 && t[c] === 1;
const isLetter = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

/** The end of the run of `t` characters that starts at `i`. */
function runEnd(s: string, i: number, t: Uint8Array, meter: Meter): number {
  const from = i;
  while (i < s.length && is(t, s.charCodeAt(i))) i++;
  meter.steps += i - from + 1;
  return i;
}

/** Whether `s` at `i` spells `word` (lower case), ignoring the case of ASCII letters. */
function spells(s: string, i: number, word: string): boolean {
  for (let k = 0; k < word.length; k++) {
    const c = s.charCodeAt(i + k);
    const w = word.charCodeAt(k);
    if (c !== w && !(isLetter(c) && (c | 32) === w)) return false;
  }
  return true;
}

/**
 * `sk-` keys in `s` (a stretch of text read through its escapes; its start counts as the start
 * of a word): the run after `sk-`, added to `spans` through `at` (an offset of `s` to one in the
 * text).
 */
export function skKeys(s: string, at: (k: number) => number, spans: Spans, meter: Meter): void {
  meter.steps += s.length;
  // The tail run that a `sk-` inside the previous tail shares (`sk-sk-sk-...`): read once.
  let tailEnd = -1;
  for (let i = s.indexOf("sk-"); i !== -1; i = s.indexOf("sk-", i + 3)) {
    if (i > 0 && is(WORD, s.charCodeAt(i - 1))) continue;
    if (i + 3 >= tailEnd) tailEnd = runEnd(s, i + 3, SK_TAIL, meter);
    if (tailEnd - (i + 3) >= 16) spans.add(at(i + 3), at(tailEnd));
  }
}

/** URL credentials: the user information between `://` and `@`. */
export function urlCredentials(text: string, spans: Spans, meter: Meter): void {
  meter.steps += text.length;
  for (let p = text.indexOf("://"); p !== -1; p = text.indexOf("://", p + 3)) {
    meter.steps++;
    // The scheme: the run of scheme characters before `://`; some letter in it must start a word.
    let j = p;
    let starts = false;
    while (j > 0 && is(SCHEME, text.charCodeAt(j - 1))) {
      j--;
      meter.steps++;
      const before = j > 0 ? text.charCodeAt(j - 1) : -1;
      if (isLetter(text.charCodeAt(j)) && !is(WORD, before)) starts = true;
    }
    if (!starts) continue;
    const end = runEnd(text, p + 3, USERINFO, meter);
    if (end > p + 3 && text.charCodeAt(end) === 64) spans.add(p + 3, end);
  }
}

const QUERY_NAMES = ["api_key", "api-key", "apikey", "key", "token", "access_token", "secret"]
  .concat(["password"]);

/**
 * The positions of `x` and `y` in `text`, in order: two searches that each leave
 * off where they found (each character is looked at once by each).
 */
function* either(text: string, x: string, y: string): Generator<number> {
  let i = text.indexOf(x);
  let j = text.indexOf(y);
  while (i !== -1 || j !== -1) {
    if (j === -1 || (i !== -1 && i < j)) {
      yield i;
      i = text.indexOf(x, i + 1);
    } else {
      yield j;
      j = text.indexOf(y, j + 1);
    }
  }
}

/** Credential query parameters: the value after `?name=` or `&name=` (also `&amp;name=`). */
export function queryCredentials(text: string, spans: Spans, meter: Meter): void {
  meter.steps += text.length;
  let resume = 0;
  for (const i of either(text, "?", "&")) {
    meter.steps++;
    if (i < resume) continue;
    const heads = text.charCodeAt(i) === 38 && spells(text, i, "&amp;") ? [i + 1, i + 5] : [i + 1];
    for (const head of heads) {
      const name = QUERY_NAMES.find((n) =>
        spells(text, head, n) && text.charCodeAt(head + n.length) === 61
      );
      if (name === undefined) continue;
      const start = head + name.length + 1;
      const end = runEnd(text, start, QUERY_VALUE, meter);
      if (end === start) continue;
      spans.add(start, end);
      resume = end;
      break;
    }
  }
}

/** `Bearer` and `Basic` credentials: the token after the scheme and its spaces. */
export function authCredentials(text: string, spans: Spans, meter: Meter): void {
  meter.steps += text.length;
  let resume = 0;
  for (const i of either(text, "b", "B")) {
    meter.steps++;
    if (i < resume || (i > 0 && is(WORD, text.charCodeAt(i - 1)))) continue;
    const word = spells(text, i, "bearer") ? 6 : spells(text, i, "basic") ? 5 : 0;
    if (!word) continue;
    let k = i + word;
    while (text.charCodeAt(k) === 32 || text.charCodeAt(k) === 9) k++;
    meter.steps += k - i;
    if (k === i + word) continue;
    const end = runEnd(text, k, AUTH_VALUE, meter);
    if (end === k) continue;
    spans.add(k, end);
    resume = end;
  }
}
