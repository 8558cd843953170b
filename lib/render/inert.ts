/**
 * Strings from the server (owner names, key names, ids, `redacted_value`, API error messages) are
 * set by anyone in the organisation: they are data, never control. This module makes a string
 * inert for each place it is written to.
 *
 * - `textSafe`: terminals and logs. Control characters (C0 including CR, LF and TAB, DEL, C1),
 *   bidirectional overrides, isolates and marks, line and paragraph separators, the BOM and lone
 *   surrogates become visible escapes (`\r`, `\x1b`, `\u202e`), and so do the characters that
 *   render as nothing (`\u{200b}`, `\u{ad}`, `\u{e0041}`): nothing can move the cursor, clear the
 *   screen, ring the bell, open an OSC 8 link, reorder what is shown, hide characters between
 *   others, or start a line a CI runner would read as a command.
 * - `mdText` and `mdCode`: CommonMark / GitHub-flavoured Markdown prose and code spans; in prose,
 *   words GitHub would turn into links (`#26`, `GH-26`, `@ana`, commit SHAs) become code spans.
 * - `sarifText`: SARIF plain-text messages (no embedded link, no placeholder).
 * - `escapeData` and `escapeProperty`: GitHub workflow command data and properties.
 * - `capField` and `capFields`: every string at most {@link FIELD_MAX} characters, cut visibly.
 */
import { grouped } from "../core/grouped.ts";
import { textSafe } from "../core/inert_text.ts";

export { textSafe } from "../core/inert_text.ts";

/** `s` in double quotes, with `"` escaped and everything as `textSafe` shows it. */
export function quoteText(s: string): string {
  return `"${textSafe(s).replace(/"/g, '\\"')}"`;
}

/**
 * Words GitHub links after rendering (its own pass over the HTML, which skips code, not
 * cmark-gfm): issue and pull request references (`#26`, `GH-26`, `owner/repo#26`), mentions
 * (`@ana`, `@org/team`) and commit SHAs (`a5c3785`, `user@a5c3785`, `owner/repo@a5c3785`; seven
 * to forty hex digits with at least one digit, so that words like `defaced` stay words).
 * https://docs.github.com/en/get-started/writing-on-github/working-with-advanced-formatting/autolinked-references-and-urls
 */
const LINKABLE =
  /#\d|(?<![\p{L}\p{N}_])GH-\d|(?<![\p{L}\p{N}_])@[\p{L}\p{N}_]|(?<![\p{L}\p{N}])(?=[0-9a-f]{0,39}\d)[0-9a-f]{7,40}(?![\p{L}\p{N}])/iu;

/** Each space-separated word of an already `textSafe` text, through `plain` or `linkable`. */
function byWord(s: string, plain: (w: string) => string, linkable: (w: string) => string): string {
  if (!LINKABLE.test(s)) return plain(s);
  return s.split(/(\s+)/u).map((w, i) => (i % 2 ? w : LINKABLE.test(w) ? linkable(w) : plain(w)))
    .join("");
}

/**
 * Markdown prose (a list item, a paragraph) showing `s` literally: the text is made `textSafe`
 * (so no CR or LF can end the line and start a heading, a list or an HTML block), then every ASCII
 * punctuation character is backslash-escaped (CommonMark 2.4: any of them may be), which turns off
 * emphasis, links, raw HTML (`<script>`, `</details>`), entities, tables and URL autolinks.
 * GFM also links bare e-mail addresses after escapes are resolved: an empty HTML comment after
 * `@` breaks that, and renders as nothing. A word GitHub would link after rendering (`#26`,
 * `GH-26`, `@ana`, a commit SHA) is written as a code span, where GitHub links nothing.
 */
export function mdText(s: string): string {
  return byWord(
    textSafe(s),
    (w) => w.replace(/[!-/:-@[-`{-~]/g, (c) => (c === "@" ? "@<!-- -->" : `\\${c}`)),
    codeSpan,
  );
}

/**
 * A Markdown code span showing `s` literally: backslash escapes do not apply inside code spans
 * (CommonMark 6.1), so the content is written as is, fenced by a backtick run longer than any in
 * it, padded with a space when it starts or ends with a backtick or a space. An empty string,
 * which no code span can show, is written as an emphasised `(empty)`.
 */
export function mdCode(s: string): string {
  return codeSpan(textSafe(s));
}

/** A code span around text that is already `textSafe`. */
function codeSpan(content: string): string {
  if (content === "") return "*(empty)*";
  let longest = 0;
  for (const run of content.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  const fence = "`".repeat(longest + 1);
  const pad = /^[` ]|[` ]$/.test(content) && content.trim() !== "" ? " " : "";
  return `${fence}${pad}${content}${pad}${fence}`;
}

/**
 * Text inside raw HTML we write (a `<summary>`): `textSafe`, then `&`, `<`, `>` and quotes as
 * entities. Markdown is not parsed there, so this is the escaping that applies; a word GitHub
 * would link after rendering is put in a `<code>` element.
 */
export function htmlText(s: string): string {
  const escape = (w: string) => w.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return byWord(textSafe(s), escape, (w) => `<code>${escape(w)}</code>`);
}

/**
 * A SARIF plain-text message (`message.text`) showing `s` literally, as `textSafe` shows it: `[`,
 * `]` and `\\` backslash-escaped, so that no `[text](url)` becomes an embedded link (SARIF 2.1.0
 * 3.11.6), and `{` and `}` doubled, so that no `{0}` is read as a placeholder (3.11.5).
 */
export function sarifText(s: string): string {
  return textSafe(s).replace(/[\\[\]]/g, "\\$&").replace(/[{}]/g, "$&$&");
}

/**
 * The longest a string from the report may be in any format, in UTF-16 code units (a few KB: far
 * beyond any real key, owner or project name, and far below what XML readers refuse).
 */
export const FIELD_MAX = 4096;

/**
 * `s` cut to {@link FIELD_MAX} characters (never inside a surrogate pair), with a visible ellipsis
 * saying how much was left out: `LLLL… (15,724,545 more characters)`. Shorter strings unchanged.
 */
export function capField(s: string): string {
  if (s.length <= FIELD_MAX) return s;
  const high = s.charCodeAt(FIELD_MAX - 1);
  const cut = high >= 0xd800 && high <= 0xdbff ? FIELD_MAX - 1 : FIELD_MAX;
  return `${s.slice(0, cut)}… (${grouped(s.length - cut)} more characters)`;
}

/**
 * The fields a program acts on, never cut: ids (at most `MAX_ID_LENGTH` characters where they
 * enter), the ids a fix acts on, and a fix's path, built from percent-encoded ids (three segments
 * of up to 256 characters each can pass {@link FIELD_MAX}, and a cut path would name no object).
 */
const EXACT = new Set(["id", "keyId", "projectId", "ids", "path", "pin_one_of"]);

/**
 * A value with every string in it passed through {@link capField}, except the fields in
 * {@link EXACT}: the same value (not a copy) when nothing is too long, else a copy that shares
 * every part that did not change. The registry of renderers applies it to the whole report, so
 * every format caps the same fields the same way.
 */
export function capFields<T>(value: T): T {
  if (typeof value === "string") return capField(value) as T;
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | null = null;
    for (let i = 0; i < value.length; i++) {
      const v = capFields(value[i]);
      if (v !== value[i]) (copy ??= [...value])[i] = v;
    }
    return (copy ?? value) as T;
  }
  let copy: Record<string, unknown> | null = null;
  for (const k in value) {
    if (EXACT.has(k)) continue;
    const old = (value as Record<string, unknown>)[k];
    const v = capFields(old);
    if (v !== old) (copy ??= { ...value } as Record<string, unknown>)[k] = v;
  }
  return (copy ?? value) as T;
}

/** Workflow command data (after `::`): `%`, CR and LF escaped, so a value cannot end the line. */
export function escapeData(s: string): string {
  return s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

/** Workflow command property values: as data, plus `:` and `,`. */
export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, "%3A").replace(/,/g, "%2C");
}
