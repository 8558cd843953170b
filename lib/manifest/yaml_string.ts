/** YAML scalars and comments the manifest writer (`import`) emits: read back exactly, inert. Pure. */
import { textSafe } from "../core/inert_text.ts";

/**
 * Characters written as YAML escapes in a double-quoted scalar: the quote and the backslash, C0
 * and C1 controls (NEL included), DEL, line and paragraph separators, bidirectional controls, the
 * BOM, U+FFFE and U+FFFF, lone surrogates, and the characters that render as nothing (so that a
 * reviewer sees them). The manifest reader refuses most of them raw, and reads every escape back
 * to the same string.
 */
const ESCAPED =
  // deno-lint-ignore no-control-regex
  /["\\\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff\ufffe\uffff]|\p{Cs}|\p{Default_Ignorable_Code_Point}/gu;

const SHORT: Record<string, string> = {
  '"': '\\"',
  "\\": "\\\\",
  "\n": "\\n",
  "\t": "\\t",
  "\r": "\\r",
};

function escape(c: string): string {
  const cp = c.codePointAt(0)!;
  const hex = (width: number) => cp.toString(16).toUpperCase().padStart(width, "0");
  return SHORT[c] ?? (cp <= 0xff ? `\\x${hex(2)}` : cp <= 0xffff ? `\\u${hex(4)}` : `\\U${hex(8)}`);
}

/**
 * A YAML double-quoted scalar that reads back as exactly `s`, whatever it holds (`no`, `0755`,
 * `: #`, a bidi override, DEL, NEL, a lone surrogate): every character the manifest reader could
 * refuse or a reviewer could not see is an escape (`\u202E`, `\x7F`, `\x85`).
 */
export function yamlString(s: string): string {
  return `"${s.replace(ESCAPED, escape)}"`;
}

/** A value in a YAML comment, as `text` shows it (and U+FFFE, U+FFFF, which YAML forbids, escaped). */
export const comment = (s: string) =>
  textSafe(s).replace(/[\ufffe\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
