/**
 * Globs for names (key families, SPEC 11.4): `*` is any run of characters (none included), `?`
 * is exactly one character (a Unicode code point), `\` makes the next character literal, and
 * every other character stands for itself. A glob is anchored: it matches a whole name.
 *
 * Names are chosen by whoever can create a key, so matching must not take time a name can inflate:
 * a glob is compiled to its literal segments between stars, and a name is matched by placing each
 * segment at its leftmost fit, left to right (the last at the end). Every character of the name is
 * compared with a segment's characters at most once per start, so the work is at most
 * (name length + 1) x (glob length + 1) steps, whatever both are: no backtracking.
 */

/** One character of a segment: a literal code point, or `?` (any one). */
type Token = string | typeof ANY;
const ANY = Symbol("?");

/** A compiled glob: `matches(name)`, and `work(name)` for tests (the steps it took). */
export interface Glob {
  /** The glob as written. */
  readonly source: string;
  matches(name: string): boolean;
  /** Whether the glob matches, and how many steps matching took (the linear-time bound's unit). */
  work(name: string): { matched: boolean; steps: number };
}

/** Why `pattern` is not a glob, or null when it is one. */
export function globProblem(pattern: string): string | null {
  if (pattern === "") return "it is empty";
  let escaped = false;
  for (const c of pattern) escaped = !escaped && c === "\\";
  return escaped ? "it ends with a lone \\ (write \\\\ for a backslash)" : null;
}

/** `s` as a glob that matches exactly `s`: `*`, `?` and `\` escaped. */
export function globEscape(s: string): string {
  return s.replace(/[*?\\]/g, (c) => `\\${c}`);
}

/** Compiles a glob; throws a `SyntaxError` saying why when `pattern` is not one. */
export function compileGlob(pattern: string): Glob {
  const problem = globProblem(pattern);
  if (problem) throw new SyntaxError(`"${pattern}" is not a glob: ${problem}`);
  const segments = split(pattern);
  return {
    source: pattern,
    matches: (name) => run(segments, name, { steps: 0 }),
    work(name) {
      const counter = { steps: 0 };
      return { matched: run(segments, name, counter), steps: counter.steps };
    },
  };
}

/** The segments between stars, each as tokens: `a*b?c` is `[["a"], ["b", ANY, "c"]]`. */
function split(pattern: string): Token[][] {
  const segments: Token[][] = [[]];
  let escaped = false;
  for (const c of pattern) {
    if (escaped) {
      segments[segments.length - 1].push(c);
      escaped = false;
    } else if (c === "\\") escaped = true;
    else if (c === "*") segments.push([]);
    else segments[segments.length - 1].push(c === "?" ? ANY : c);
  }
  return segments;
}

/** Whether `seg` matches `t` at `at` (the caller made sure it fits); counts one step a token. */
function fitsAt(seg: readonly Token[], t: readonly string[], at: number, n: { steps: number }) {
  for (let i = 0; i < seg.length; i++) {
    n.steps++;
    if (seg[i] !== ANY && seg[i] !== t[at + i]) return false;
  }
  return true;
}

function run(segments: readonly Token[][], name: string, n: { steps: number }): boolean {
  const t = Array.from(name);
  n.steps++;
  const first = segments[0];
  if (segments.length === 1) return t.length === first.length && fitsAt(first, t, 0, n);
  const last = segments[segments.length - 1];
  const end = t.length - last.length;
  if (end < first.length || !fitsAt(first, t, 0, n) || !fitsAt(last, t, end, n)) return false;
  let pos = first.length;
  for (let s = 1; s < segments.length - 1; s++) {
    const seg = segments[s];
    let at = pos;
    // The leftmost fit: a later one never leaves more room for the segments after it.
    while (at + seg.length <= end && !fitsAt(seg, t, at, n)) {
      n.steps++;
      at++;
    }
    if (at + seg.length > end) return false;
    pos = at + seg.length;
  }
  return true;
}
