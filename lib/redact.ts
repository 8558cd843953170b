/**
 * Secret scrubbing, in two places:
 *
 * - `scrubValue(s, secrets)` on every string the server sends, where it enters the program (the
 *   wire boundary), before any renderer sees it. A value has no structure to keep, so every
 *   occurrence of a secret is replaced, whatever characters it holds.
 * - `redact(text, secrets)` on every rendered output, as a second line of defence. It cannot alter
 *   a document's structure: it only replaces runs of token characters (`[A-Za-z0-9._~+/=-]`,
 *   where `\` before one of the punctuation ones, a Markdown escape, counts as part of the run), and
 *   never a quote, `<`, `>`, `&`, a newline or any other escape (`\n`, `\u001b`, `\x1b`, `&amp;`).
 *   So JSON, SARIF, JUnit XML, Markdown and workflow commands stay valid after it. A backslash
 *   followed by `"`, `\`, `b`, `f`, `n`, `r`, `t`, `uXXXX` or `xXX` is read as an escape (JSON's,
 *   and the visible escapes of `textSafe`, which also doubles literal backslashes), except in an
 *   XML document, which has none.
 *
 * Both redact the secrets themselves, the admin key without its `sk-admin-` prefix, any run of
 * 12 or more characters of a secret (a piece is as good as the key to someone who has the rest),
 * `sk-` keys with a long unmasked run, URL credentials, credential query parameters and
 * `Authorization` header values. The cost is linear in the text size.
 */

/** What a secret is replaced with in output */
export const REDACTED = "[REDACTED]";

/** Pieces of a secret at least this long are redacted wherever they appear. */
export const PIECE = 12;

const TOKEN_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~+/=_-";
const IS_TOKEN = new Uint8Array(128);
for (const c of TOKEN_CHARS) IS_TOKEN[c.charCodeAt(0)] = 1;
const isToken = (c: string) => c.length === 1 && IS_TOKEN[c.charCodeAt(0)] === 1;
/** Token punctuation a Markdown escape may precede: the escape is part of the run. */
const ESCAPABLE = new Set([".", "_", "~", "+", "/", "=", "-"]);
const SK_RE = /(?<![A-Za-z0-9_])sk-(?=[A-Za-z0-9_-]{16,})/g;
const USERINFO_RE = /\b([a-z][a-z0-9+.-]*:\/\/)[A-Za-z0-9._~+=!$()*,;%:-]+@/gi;
const QUERY_SECRET_RE =
  /((?:[?&]|&amp;)(?:api[_-]?key|key|token|access_token|secret|password)=)[A-Za-z0-9._~+/=%-]+/gi;
const AUTH_RE = /\b((?:Bearer|Basic)[ \t]+)[A-Za-z0-9._~+/=-]+/gi;

/** What to look for, built once per set of secrets. */
interface Needles {
  /** Secrets (and prefix-less admin keys) made only of token characters, PIECE+ characters. */
  exact: string[];
  /**
   * Shorter ones (4+ characters): replaced only as a whole run not next to `<` or `=`, so that
   * they can never hit a word of the document's own markup (`<testcase`, `name=`).
   */
  short: Set<string>;
  /** Every PIECE-character window of every token-character segment of every secret. */
  windows: Set<string>;
  /** The first two characters of every window, as a bitmap over two ASCII codes (a prefilter). */
  pairs: Uint8Array;
  /** The same for windows and short needles alike: {@link mayHold}'s prefilter. */
  starts: Uint8Array;
}

function needlesFor(secrets: readonly string[]): Needles {
  const exact = new Set<string>();
  const short = new Set<string>();
  const windows = new Set<string>();
  for (const s of secrets) {
    const bare = s.startsWith("sk-admin-") ? s.slice("sk-admin-".length) : null;
    for (const candidate of bare === null ? [s] : [s, bare]) {
      if (candidate.length >= 4 && [...candidate].every(isToken)) {
        (candidate.length >= PIECE ? exact : short).add(candidate);
      }
    }
    // Every window of the whole secret, whatever characters it holds: one with a character
    // outside the token set never matches a run of a document, but does match a server value.
    for (let i = 0; i + PIECE <= s.length; i++) windows.add(s.slice(i, i + PIECE));
  }
  // Longest first, so a secret that contains another is replaced whole.
  const pairs = new Uint8Array(128 * 128);
  for (const w of windows) pairs[pairIndex(w, 0)] = 1;
  const starts = pairs.slice();
  for (const w of short) starts[pairIndex(w, 0)] = 1;
  return { exact: [...exact].sort((a, b) => b.length - a.length), short, windows, pairs, starts };
}

/** The bitmap index of the two characters at `i` (a non-ASCII one counts as DEL: no false no). */
function pairIndex(text: string, i: number): number {
  const c = text.charCodeAt(i);
  const d = text.charCodeAt(i + 1);
  return ((c < 128 ? c : 127) << 7) | (d < 128 ? d : 127);
}

/**
 * False when `text` cannot hold a secret or a piece of one: it has no escape (`\`, `&`) and no
 * two characters side by side that begin a window or a short needle. Most server values are
 * like that, and are passed over in one quick pass.
 */
function mayHold(text: string, needles: Needles): boolean {
  const starts = needles.starts;
  let c = text.charCodeAt(0);
  for (let i = 1; i <= text.length; i++) {
    if (c === 92 || c === 38) return true;
    const d = text.charCodeAt(i);
    if (c < 128 && d < 128 && starts[(c << 7) | d] === 1) return true;
    c = d;
  }
  return false;
}

const ESCAPABLE_CODE = new Uint8Array(128);
for (const c of ESCAPABLE) ESCAPABLE_CODE[c.charCodeAt(0)] = 1;

/** The entities renderers write, at the start of a string (none is over 10 characters). */
const ENTITY = /^&(?:amp|lt|gt|quot|apos|#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6});/;
const isHex = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);

/** Length of the escape unit at `i` (a backslash or `&`), or 0 when there is none. */
function escapeLength(text: string, i: number, xml: boolean): number {
  if (text[i] === "&") {
    // An entity as the renderers write them: &amp; &lt; &gt; &quot; &apos; &#123; &#x1F;.
    // Anything else shaped like one (`&abc;`, `&737c…;`) is no entity to a reader of Markdown
    // or text: it shows as written, so its characters are read as text here too.
    return ENTITY.exec(text.slice(i, i + 10))?.[0].length ?? 0;
  }
  if (xml || text[i] !== "\\" || i + 1 >= text.length) return 0;
  const next = text[i + 1];
  const hexRun = (from: number, n: number) => {
    for (let k = from; k < from + n; k++) if (!isHex(text.charCodeAt(k))) return false;
    return true;
  };
  if (next === "u" && hexRun(i + 2, 4)) return 6;
  if (next === "x" && hexRun(i + 2, 2)) return 4;
  // The JSON escapes (and textSafe's \r, \n, \t); any other backslash is a character of its own.
  return '"\\bfnrt'.includes(next) ? 2 : 0;
}

/**
 * Calls `visit` with each run of token characters of `minLength` or more: its logical text (Markdown escapes of token punctuation removed) and a map from a
 * logical offset (up to its length) to the offset in `text`.
 */
function forEachRun(
  text: string,
  minLength: number,
  visit: (logical: string, rawAt: (k: number) => number, lead: [number, number] | null) => void,
): void {
  const xml = text.startsWith("<?xml");
  let start = -1;
  // Where the escape unit whose token-character tail opens this run begins (-1: none). The
  // tail's bytes are in the output (`\x00`, `\u0000`, `\n`), so they count as part of the run,
  // and a cut that starts inside them takes the whole escape.
  let lead: [number, number] | null = null;
  let escapes: number[] | null = null;
  const flush = (end: number) => {
    if (start >= 0 && end - start - (escapes?.length ?? 0) >= minLength) {
      const from = start;
      const l = lead;
      if (!escapes) visit(text.slice(from, end), (k) => from + k, l);
      else {
        const at: number[] = [];
        let logical = "";
        let e = 0;
        for (let j = from; j < end;) {
          // A Markdown escape counts as the character it escapes, located at its backslash.
          const escaped = j === escapes[e];
          at.push(j);
          logical += text[escaped ? j + 1 : j];
          if (escaped) e++;
          j += escaped ? 2 : 1;
        }
        visit(logical, (k) => (k < at.length ? at[k] : end), l);
      }
    }
    start = -1;
    lead = null;
    escapes = null;
  };
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c < 128 && IS_TOKEN[c]) {
      if (start < 0) start = i;
      i++;
    } else if (c === 92 && !xml && ESCAPABLE_CODE[text.charCodeAt(i + 1)] === 1) {
      if (start < 0) start = i;
      (escapes ??= []).push(i);
      i += 2;
    } else if (c === 92 || c === 38) {
      flush(i);
      const length = escapeLength(text, i, xml) || 1;
      let tail = i + length;
      while (
        tail > i + 1 && text.charCodeAt(tail - 1) < 128 && IS_TOKEN[text.charCodeAt(tail - 1)]
      ) {
        tail--;
      }
      if (tail < i + length) {
        start = tail;
        lead = [i, i + length];
      }
      i += length;
    } else {
      flush(i);
      i++;
    }
  }
  flush(text.length);
}

/** Logical [start, end) intervals of `run` that hold a secret or a piece of one. */
function secretSpans(run: string, needles: Needles, shapes: boolean): [number, number][] {
  const spans: [number, number][] = [];
  for (const s of needles.exact) {
    for (let i = run.indexOf(s); i !== -1; i = run.indexOf(s, i + s.length)) {
      spans.push([i, i + s.length]);
    }
  }
  if (needles.windows.size && run.length >= PIECE) {
    for (let i = 0; i + PIECE <= run.length; i++) {
      // Runs hold only ASCII token characters, so the pair index is in range.
      if (needles.pairs[pairIndex(run, i)] === 1 && needles.windows.has(run.slice(i, i + PIECE))) {
        spans.push([i, i + PIECE]);
      }
    }
  }
  if (!shapes || run.length < 19 || !run.includes("sk-")) return spans;
  for (const m of run.matchAll(SK_RE)) {
    const start = m.index + 3;
    let end = start;
    while (end < run.length && /[A-Za-z0-9_-]/.test(run[end])) end++;
    spans.push([start, end]);
  }
  return spans;
}

/** Merges overlapping or touching intervals. */
function merge(spans: [number, number][]): [number, number][] {
  spans.sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const s of spans) {
    const last = out.at(-1);
    if (last && s[0] <= last[1]) last[1] = Math.max(last[1], s[1]);
    else out.push([s[0], s[1]]);
  }
  return out;
}

/**
 * Replaces secrets, pieces of them and anything secret-shaped in a rendered document, without
 * altering its structure (see the module comment).
 */
export function redact(text: string, secrets: readonly string[] = []): string {
  return scrubber(secrets).redact(text);
}

/**
 * The scrubbing functions for one set of secrets, with what to look for built once (callers
 * keep the scrubber; nothing is cached at module level).
 */
export function scrubber(secrets: readonly string[]): {
  /** A rendered document: secrets, pieces and secret-shaped text, structure untouched. */
  redact(text: string): string;
  /**
   * A server message: every form (the secret, the admin key without its prefix) and every
   * 12-character window of a secret, whatever they hold and wherever they stand; a whole word
   * drawn to look like one; then `redact`.
   */
  value(s: string): string;
  /** A value keydrift compares: the same, without `redact`'s secret-shaped text. */
  secrets(s: string): string;
} {
  const needles = needlesFor(secrets);
  // The secrets and the admin key without its prefix, whatever they hold, longest first.
  const forms = [...new Set(secrets.flatMap((x) => [x, x.replace(/^sk-admin-/, "")]))]
    .filter((x) => x.length >= 4)
    .sort((a, b) => b.length - a.length);
  /** A server value: every form and every window of a secret, anywhere in it. */
  const raw = (s: string) => {
    let out = s;
    for (const form of forms) if (out.includes(form)) out = out.split(form).join(REDACTED);
    out = cutWindows(out, needles);
    // A word drawn to look like a secret (invisible characters between its characters, fullwidth
    // or other compatibility forms) goes whole: where the piece was in it cannot be told.
    if (!NON_ASCII.test(out)) return out;
    return out.replace(/[^\s"'`]+/g, (word) => {
      if (!NON_ASCII.test(word)) return word;
      const skeleton = word.normalize("NFKC").replace(IGNORABLE, "");
      const looksLike = forms.some((f) => skeleton.includes(f)) ||
        cutWindows(skeleton, needles) !== skeleton;
      return looksLike ? REDACTED : word;
    });
  };
  const redactAll = (text: string) => replaceShapes(redactRuns(text, needles, true));
  const memo = new Map<string, string>();
  return {
    redact: redactAll,
    value: (s) => redactAll(raw(s)),
    secrets: (s) => {
      // Server values repeat (owner names, roles, key names across projects): short ones are
      // remembered, a bounded number of them.
      const known = s.length <= MEMO_LENGTH ? memo.get(s) : undefined;
      if (known !== undefined) return known;
      const w = raw(s);
      const out = mayHold(w, needles) ? redactRuns(w, needles, false) : w;
      if (s.length <= MEMO_LENGTH) {
        if (memo.size >= MEMO_SIZE) memo.clear();
        memo.set(s, out);
      }
      return out;
    },
  };
}

/** `secrets()` remembers values up to this long, at most this many of them. */
const MEMO_LENGTH = 64;
const MEMO_SIZE = 4096;

/** Characters that render as nothing. */
const IGNORABLE = /\p{Default_Ignorable_Code_Point}/gu;
/** A character outside ASCII. */
const NON_ASCII = /[^\p{ASCII}]/u;

/** `s` with every window of a secret in it (any characters, anywhere) replaced. */
function cutWindows(s: string, needles: Needles): string {
  if (s.length < PIECE) return s;
  const spans: [number, number][] = [];
  for (let i = 0; i + PIECE <= s.length; i++) {
    if (needles.pairs[pairIndex(s, i)] === 1 && needles.windows.has(s.slice(i, i + PIECE))) {
      spans.push([i, i + PIECE]);
    }
  }
  if (!spans.length) return s;
  let out = "";
  let last = 0;
  for (const [a, b] of merge(spans)) {
    out += s.slice(last, a) + REDACTED;
    last = b;
  }
  return out + s.slice(last);
}

function replaceShapes(text: string): string {
  return text
    .replace(USERINFO_RE, `$1${REDACTED}@`)
    .replace(QUERY_SECRET_RE, `$1${REDACTED}`)
    .replace(AUTH_RE, `$1${REDACTED}`);
}

/** The secrets and their pieces (and, with `shapes`, `sk-` keys) in token runs, replaced. */
function redactRuns(text: string, needles: Needles, shapes: boolean): string {
  const cuts: [number, number][] = [];
  // Nothing shorter than the shortest needle can match (`sk-` keys are 19+ characters).
  const minLength = needles.short.size ? 4 : PIECE;
  forEachRun(text, minLength, (run, rawAt, lead) => {
    const start = rawAt(0);
    const end = rawAt(run.length);
    // A cut that starts inside an escape's tail takes the whole escape (never half of one).
    const from = (k: number) => {
      const at = rawAt(k);
      return lead && at >= lead[0] && at < lead[1] ? lead[0] : at;
    };
    if (
      needles.short.has(run) && text[start - 1] !== "<" && text[start - 1] !== "/" &&
      text[end] !== "="
    ) {
      cuts.push([start, end]);
      return;
    }
    const spans = secretSpans(run, needles, shapes);
    if (spans.length) { for (const [s, e] of merge(spans)) cuts.push([from(s), rawAt(e)]); }
  });
  let out = "";
  let last = 0;
  for (const [s, e] of cuts) {
    out += text.slice(last, s) + REDACTED;
    last = e;
  }
  out += text.slice(last);
  return out;
}

/**
 * Scrubs one string value from the server (a key name, an error message): every occurrence of a
 * secret, whatever characters it holds, then everything `redact` finds.
 */
export function scrubValue(s: string, secrets: readonly string[] = []): string {
  return scrubber(secrets).value(s);
}
