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
 * - `mdText` and `mdCode`: CommonMark / GitHub-flavoured Markdown prose and code spans.
 * - `escapeData` and `escapeProperty`: GitHub workflow command data and properties.
 */

/** Characters that are never shown raw. */
const UNSAFE =
  // deno-lint-ignore no-control-regex
  /[\\\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const NAMED: Record<string, string> = { "\t": "\\t", "\n": "\\n", "\r": "\\r", "\\": "\\\\" };

function visible(c: string): string {
  const code = c.charCodeAt(0);
  return NAMED[c] ??
    (code <= 0xff
      ? `\\x${code.toString(16).padStart(2, "0")}`
      : `\\u${code.toString(16).padStart(4, "0")}`);
}

/**
 * A string made safe for a terminal, a log line or any plain-text line: every control, bidi and
 * invisible-format character is replaced by a visible escape, and a backslash is doubled so that
 * an escape always means one (a key named `\x1b` shows as `\\x1b`). Other text is unchanged.
 */
export function textSafe(s: string): string {
  const out = s.replace(UNSAFE, visible);
  return ASCII.test(out)
    ? out
    : out.replace(INVISIBLE, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`);
}

/** Only ASCII: nothing invisible can be in it. */
const ASCII = /^[\p{ASCII}]*$/u;
/**
 * Characters that render as nothing (zero-width spaces and joiners, the soft hyphen, variation
 * selectors, tag characters...): shown, so that no text can hide characters between others.
 */
const INVISIBLE = /\p{Default_Ignorable_Code_Point}/gu;

/** `s` in double quotes, with `"` escaped and everything as `textSafe` shows it. */
export function quoteText(s: string): string {
  return `"${textSafe(s).replace(/"/g, '\\"')}"`;
}

/**
 * Markdown prose (a list item, a paragraph) showing `s` literally: the text is made `textSafe`
 * (so no CR or LF can end the line and start a heading, a list or an HTML block), then every ASCII
 * punctuation character is backslash-escaped (CommonMark 2.4: any of them may be), which turns off
 * emphasis, links, raw HTML (`<script>`, `</details>`), entities, tables and URL autolinks.
 * GFM also links bare e-mail addresses after escapes are resolved: an empty HTML comment after
 * `@` breaks that, and renders as nothing.
 */
export function mdText(s: string): string {
  return textSafe(s).replace(/[!-/:-@[-`{-~]/g, (c) => (c === "@" ? "@<!-- -->" : `\\${c}`));
}

/**
 * A Markdown code span showing `s` literally: backslash escapes do not apply inside code spans
 * (CommonMark 6.1), so the content is written as is, fenced by a backtick run longer than any in
 * it, padded with a space when it starts or ends with a backtick or a space. An empty string,
 * which no code span can show, is written as an emphasised `(empty)`.
 */
export function mdCode(s: string): string {
  const content = textSafe(s);
  if (content === "") return "*(empty)*";
  let longest = 0;
  for (const run of content.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  const fence = "`".repeat(longest + 1);
  const pad = /^[` ]|[` ]$/.test(content) && content.trim() !== "" ? " " : "";
  return `${fence}${pad}${content}${pad}${fence}`;
}

/**
 * Text inside raw HTML we write (a `<summary>`): `textSafe`, then `&`, `<`, `>` and quotes as
 * entities. Markdown is not parsed there, so this is the escaping that applies.
 */
export function htmlText(s: string): string {
  return textSafe(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Workflow command data (after `::`): `%`, CR and LF escaped, so a value cannot end the line. */
export function escapeData(s: string): string {
  return s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

/** Workflow command property values: as data, plus `:` and `,`. */
export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, "%3A").replace(/,/g, "%2C");
}
