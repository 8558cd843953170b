/**
 * Ids that can only mean themselves (SPEC 11.1). An id keydrift puts in a path (a project, a key,
 * an admin key, a service account) is non-empty, at most {@link MAX_ID_LENGTH} characters,
 * well-formed UTF-16, and holds no `/`, no control character and no dot segment (`.` or `..`, which every URL parser and curl resolve away: a
 * `DELETE …/api_keys/..` is a DELETE of the project). Every path segment is then percent-encoded
 * by {@link pathSegment}, so the path a request or a printed fix names is exactly the ids it was
 * built from. Ids from the server that break the rule fail the read; ids from the manifest or the
 * command line fail where they are written. Where the scrubber is known (`api/wire.ts`,
 * `manifest/load.ts`), an id it would rewrite in any output is refused too (`shapedLikeCredential`).
 */
import { sha256Hex } from "./sha256.ts";

/**
 * The longest id keydrift accepts, in UTF-16 code units. Real ids are about 30 characters; a
 * longer one is data, not an id, and a fix built from it could not be shown whole.
 */
export const MAX_ID_LENGTH = 256;

/**
 * SHA-256 (hex) of a set of ids, in any order (an ambiguous item's candidates: its `candidateSet`,
 * part of its identity in baselines).
 */
export function idSetDigest(ids: readonly string[]): string {
  const sorted = [...ids].sort((a, b) => a < b ? -1 : a > b ? 1 : 0);
  return sha256Hex(JSON.stringify(["candidates", ...sorted]));
}

/** Why `id` cannot stand as an id in a path, or null when it can. */
export function idProblem(id: string): string | null {
  if (id === "") return "it is empty";
  if (id.length > MAX_ID_LENGTH) {
    return `it is ${id.length} characters long, and an id is at most ${MAX_ID_LENGTH}`;
  }
  if (id === "." || id === "..") return "it is a dot segment, which URL parsers resolve away";
  if (!id.isWellFormed()) return "it is not well-formed Unicode (it holds a lone surrogate)";
  if (id.includes("/")) return `it holds "/", which would split the path`;
  if (CONTROL.test(id)) return "it holds a control character";
  return null;
}

// deno-lint-ignore no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Longest part of an id a message quotes (code points). */
const SHOWN = 80;

/** `id` cut to {@link SHOWN} code points, with an ellipsis when it was longer. */
function capped(id: string): string {
  const points = [...id];
  return points.length > SHOWN ? points.slice(0, SHOWN).join("") + "…" : id;
}

/**
 * An id in double quotes for a message, cut to {@link SHOWN} code points. Its characters stay as
 * they are: each output makes them inert its own way (`textSafe` shows a control character or a
 * lone surrogate as a visible escape, JSON escapes them).
 */
export function showId(id: string): string {
  return `"${capped(id)}"`;
}

/**
 * The same as a JSON string (control characters and lone surrogates as `\u` escapes), for a
 * message no renderer makes inert: `validate` prints manifest problems as they are.
 */
export function escapedId(id: string): string {
  return JSON.stringify(capped(id));
}

/**
 * One path segment: `encodeURIComponent`, and `!'()*` too (which it leaves alone; RFC 3986
 * reserves them, and `!` is history expansion in an interactive shell). Throws a RangeError for
 * an id {@link idProblem} refuses: such an id reaching a path is a bug, never a request.
 */
export function pathSegment(id: string): string {
  const problem = idProblem(id);
  if (problem) throw new RangeError(`pathSegment(): the id ${showId(id)} is refused: ${problem}`);
  return encodeURIComponent(id).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
