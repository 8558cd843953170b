/** Manifest paths as SARIF and Code Quality want them: relative to the repository root, with `/`. */
import { isAbsolute, relative, resolve, sep } from "node:path";

/**
 * `file` relative to `root` (an absolute directory; relative files are taken as relative to it),
 * with `/` separators. A file outside the root keeps its `../` segments: still a relative path,
 * which the consumers accept, though they cannot show the file. Without a root, or for a name
 * that is no path (`<stdin>`), the name is returned as it is.
 */
export function repoPath(file: string, root: string | undefined): string {
  if (root === undefined || file.startsWith("<")) return toSlashes(file);
  const rel = relative(root, isAbsolute(file) ? file : resolve(root, file));
  // On Windows a file on another drive has no relative path: keep it absolute.
  return toSlashes(rel === "" ? "." : rel);
}

function toSlashes(p: string): string {
  return sep === "/" ? p : p.split(sep).join("/");
}

/** A relative path as a URI reference: each segment percent-encoded. */
export function pathUri(path: string): string {
  return path.split("/").map(encodeURIComponent).join("/");
}
