/**
 * Text made inert for a terminal, a log line or any plain-text line (the `textSafe` of
 * `render/inert.ts`, which has the escapers of every other destination). It lives here, below
 * every stage, because more than the renderers write plain text: the manifest writer's comments,
 * the command line's errors.
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
 * What is shown escaped besides {@link UNSAFE}, by Unicode property rather than by list, so that
 * no character of a kind slips through: every character of general category Other (`C`: control,
 * format such as U+FFF9 interlinear annotations, U+0600 Arabic number signs or U+110BD; surrogate;
 * private use, which has no agreed look; unassigned, which a later Unicode may make a format
 * character), the line and paragraph separators (`Zl`, `Zp`), and the characters that render as
 * nothing (`Default_Ignorable_Code_Point`: zero-width spaces and joiners, the soft hyphen,
 * variation selectors, tag characters...). No text can hide characters between others.
 */
const INVISIBLE = /[\p{C}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/gu;
