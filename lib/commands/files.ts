/**
 * Files keydrift reads (manifests, baselines, fake states, admin key files) are opened safely: a
 * regular file after following symlinks, under a size cap checked before reading, and read with a
 * bound, so a symlink to /dev/zero, a FIFO or a file that grows while it is read can neither hang
 * the run nor fill the memory. Paths keydrift writes are checked against them (`sameFile`).
 */
import type { Deps, FileInfo } from "../core/deps.ts";
import { grouped } from "../core/grouped.ts";
import { fileProblem } from "../core/errors.ts";
import { decodeUtf8 } from "../core/utf8.ts";

const MiB = 1024 * 1024;

/** The largest file of each kind keydrift reads (README, "Files keydrift reads and writes"). */
export const FILE_CAPS = {
  manifest: 32 * MiB,
  baseline: 64 * MiB,
  "fake state": 64 * MiB,
  "admin key file": 4096,
  report: 256 * MiB,
} as const;

/** A kind of file keydrift reads */
export type InputKind = keyof typeof FILE_CAPS;

/** A file refused before (or while) it was read: what it is, said for people. */
export class FileRefused extends Error {
  override name = "FileRefused";
}

/** `32 MiB` or `4,096 bytes`. */
export function capText(bytes: number): string {
  return bytes % MiB === 0 ? `${bytes / MiB} MiB` : `${grouped(bytes)} bytes`;
}

/**
 * The text of a file of `kind`: refused (FileRefused) when it is not a regular file after
 * following symlinks, when it is over the kind's cap, or when it grows past the cap while read.
 * Bytes that are not UTF-8 are a located ManifestError (`file:line:column`). Other failures
 * (NotFound, NotCapable) reject as `deps` does.
 */
export async function readInput(deps: Deps, path: string, kind: InputKind): Promise<string> {
  const cap = FILE_CAPS[kind];
  const info = await deps.fileInfo(path);
  if (!info.isFile) {
    throw new FileRefused(
      "it is not a regular file (a directory, a FIFO or a device?); keydrift reads only regular files",
    );
  }
  if (info.size > cap) {
    throw new FileRefused(
      `it is ${grouped(info.size)} bytes; ${
        /^[aeiou]/.test(kind) ? "an" : "a"
      } ${kind} is at most ${capText(cap)}`,
    );
  }
  let bytes: Uint8Array;
  try {
    bytes = await deps.readFile(path, cap);
  } catch (e) {
    // Swapped for something else between the look and the read.
    if ((e as Error)?.name === "NotAFile") {
      throw new FileRefused("it stopped being a regular file while it was read");
    }
    throw e;
  }
  if (bytes.length > cap) throw new FileRefused(`it grew past ${capText(cap)} while it was read`);
  return decodeUtf8(bytes, path);
}

/** stdin as a file of `kind`: at most the kind's cap, UTF-8 (as {@link readInput}). */
export async function readStdinInput(deps: Deps, kind: InputKind): Promise<string> {
  const cap = FILE_CAPS[kind];
  const bytes = await deps.readStdin(cap);
  if (bytes.length > cap) {
    throw new FileRefused(
      `stdin holds more than ${capText(cap)}; ${/^[aeiou]/.test(kind) ? "an" : "a"} ${kind} is ` +
        "at most that",
    );
  }
  return decodeUtf8(bytes, "<stdin>");
}

/** The directory part of a path (`.` for a bare name). */
export function dirname(path: string): string {
  const trimmed = path.replace(/(.)\/+$/, "$1");
  const cut = trimmed.lastIndexOf("/");
  return cut < 0 ? "." : cut === 0 ? "/" : trimmed.slice(0, cut);
}

/** The last part of a path. */
export function basename(path: string): string {
  const trimmed = path.replace(/(.)\/+$/, "$1");
  return trimmed.slice(trimmed.lastIndexOf("/") + 1);
}

/** `path` made absolute against `cwd` (when known), with `.`, `..` and repeated `/` resolved. */
export function lexicalPath(path: string, cwd: string | undefined): string {
  const full = path.startsWith("/") || cwd === undefined ? path : `${cwd}/${path}`;
  const parts: string[] = [];
  for (const p of full.split("/")) {
    if (p === "" || p === ".") continue;
    if (p === "..") parts.pop();
    else parts.push(p);
  }
  return (full.startsWith("/") ? "/" : "") + parts.join("/");
}

/** How a path is known for comparison: its canonical path, and its file id when it exists. */
export interface PathIdentity {
  path: string;
  id: string | null;
}

/**
 * A path's identity: the real path of the file (or, when it does not exist yet, of its directory
 * joined with its name), and its device and inode. Falls back to the lexical absolute path when
 * the file or its directory cannot be looked at (absent, or not permitted).
 */
export async function identify(deps: Deps, path: string): Promise<PathIdentity> {
  const info: FileInfo | null = await deps.fileInfo(path).catch(() => null);
  const real = await deps.realPath(path).catch(() => null);
  if (real !== null) return { path: real, id: info?.id ?? null };
  const dir = await deps.realPath(dirname(path)).catch(() => null);
  const name = basename(path);
  return {
    path: dir === null ? lexicalPath(path, deps.cwd?.()) : `${dir === "/" ? "" : dir}/${name}`,
    id: info?.id ?? null,
  };
}

/** Whether two identities name the same file: the same id, or the same canonical path. */
export function sameFile(a: PathIdentity, b: PathIdentity): boolean {
  return (a.id !== null && a.id === b.id) || a.path === b.path;
}

/** Why a read failed, for a message: the refusal's reason, or `no such file`, `permission denied`... */
export function readProblem(e: unknown, allowFlag?: string): string {
  return e instanceof FileRefused ? e.message : fileProblem(e, allowFlag);
}
