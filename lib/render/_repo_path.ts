/** Manifest paths as SARIF and Code Quality want them: relative to the repository root, with `/`. */

/**
 * `file` relative to `root` (an absolute directory; relative files are taken as relative to it),
 * with `/` separators. A file outside the root keeps its `../` segments: still a relative path,
 * which the consumers accept, though they cannot show the file. Without a root, or for a name
 * that is no path (`<stdin>`), the name is returned as it is. Windows rules (drives, UNC shares,
 * `\`, names compared without case) apply when `root` is a Windows path; else POSIX rules.
 * Written out rather than imported from node:path, whose import starts Deno's Node layer (about
 * 40 ms of `check`'s start-up).
 */
export function repoPath(file: string, root: string | undefined): string {
  if (root === undefined || file.startsWith("<")) return toSlashes(file, root);
  const win = isWindowsPath(root);
  const from = absolute(root, undefined, win);
  const to = absolute(file, from, win);
  // On Windows a file on another drive has no relative path: keep it absolute.
  if (!sameName(from.root, to.root, win)) return toSlashes(show(to, win), root);
  let common = 0;
  while (
    common < from.parts.length && common < to.parts.length &&
    sameName(from.parts[common], to.parts[common], win)
  ) common++;
  const rel = [...from.parts.slice(common).map(() => ".."), ...to.parts.slice(common)];
  return rel.length ? rel.join("/") : ".";
}

/** A path's root (`/`, `C:`, `\\server\share`) and its segments, `.` and `..` resolved. */
interface AbsPath {
  root: string;
  parts: string[];
}

function isWindowsPath(p: string): boolean {
  return /^(?:[A-Za-z]:[\\/]|\\\\)/.test(p);
}

/** `p` made absolute against `base` (when given) and normalized. */
function absolute(p: string, base: AbsPath | undefined, win: boolean): AbsPath {
  let root = "";
  let rest = p;
  let rooted = false;
  if (win) {
    const unc = /^[\\/]{2}([^\\/]+)[\\/]+([^\\/]+)/.exec(p);
    const drive = unc ? null : /^([A-Za-z]:)?([\\/])?/.exec(p);
    if (unc) {
      root = `\\\\${unc[1]}\\${unc[2]}`;
      rest = p.slice(unc[0].length);
      rooted = true;
    } else if (drive) {
      root = drive[1] ?? "";
      rooted = drive[2] !== undefined;
      rest = p.slice(drive[0].length);
    }
  } else if (p.startsWith("/")) {
    root = "/";
    rooted = true;
  }
  let parts: string[] = [];
  if (base && !rooted && (root === "" || sameName(root, base.root, win))) {
    parts = [...base.parts];
    root = base.root;
  } else if (base && root === "") root = base.root;
  for (const seg of rest.split(win ? /[\\/]/ : "/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") parts.pop();
    else parts.push(seg);
  }
  return { root, parts };
}

function sameName(a: string, b: string, win: boolean): boolean {
  return win ? a.toLowerCase() === b.toLowerCase() : a === b;
}

function show(p: AbsPath, win: boolean): string {
  if (!win) return `/${p.parts.join("/")}`;
  return `${p.root}\\${p.parts.join("\\")}`;
}

function toSlashes(p: string, root: string | undefined): string {
  return isWindowsPath(root ?? p) ? p.replaceAll("\\", "/") : p;
}

/** A relative path as a URI reference: each segment percent-encoded. */
export function pathUri(path: string): string {
  return path.split("/").map(encodeURIComponent).join("/");
}
