import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { posix, win32 } from "node:path";
import fc from "fast-check";
import { repoPath } from "../lib/render/_repo_path.ts";

const RUNS = Number(Deno.env.get("KEYDRIFT_FUZZ_RUNS") ?? 3000);

/** The implementation repoPath replaced (node:path on each platform), for reference. */
function viaNodePath(file: string, root: string, p: typeof posix): string {
  const slashes = (x: string) => (p.sep === "/" ? x : x.split(p.sep).join("/"));
  if (file.startsWith("<")) return slashes(file);
  const rel = p.relative(root, p.isAbsolute(file) ? file : p.resolve(root, file));
  return slashes(rel === "" ? "." : rel);
}

const seg = fc.constantFrom("a", "b", "B", "k.yaml", ".", "..", "", "x y", "é");
const segs = fc.array(seg, { maxLength: 5 });

Deno.test("repoPath() gives node:path's posix answer for any root and file (property)", () => {
  fc.assert(
    fc.property(segs, segs, fc.boolean(), (r, f, abs) => {
      const root = `/${r.join("/")}`;
      const file = `${abs ? "/" : ""}${f.join("/")}` || ".";
      assertEquals(repoPath(file, root), viaNodePath(file, root, posix), `${root} ${file}`);
    }),
    { numRuns: RUNS },
  );
});

Deno.test("repoPath() gives node:path's win32 answer: drives, UNC shares, either slash, any case (property)", () => {
  const sep = fc.constantFrom("\\", "/");
  // Roots are Deno.cwd() on Windows: a drive or a UNC share, written with backslashes.
  const rootStart = fc.constantFrom("C:\\", "c:/", "D:\\", "\\\\srv\\share\\", "\\\\SRV\\Share/");
  const fileStart = fc.constantFrom(
    "",
    "",
    "C:\\",
    "c:/",
    "D:\\",
    "\\",
    "/",
    "\\\\srv\\share\\",
    "C:",
  );
  fc.assert(
    fc.property(rootStart, segs, fileStart, segs, sep, (rs, r, fs, f, s) => {
      const root = rs + r.join(s);
      // A drive-relative name on another drive resolves against that drive's own directory.
      const start = fs === "C:" && !/^c:/i.test(root) ? "" : fs;
      const file = start + f.join(s) || ".";
      // "\\.\x" and "\\?\x" are device paths, not shares: no manifest is one.
      fc.pre(!/^[\\/]{2}[.?]*(?:[\\/]|$)/.test(file));
      // A name rooted without a drive ("\\x") is on the current directory's drive, which node
      // can only know on Windows: the reference gets the root's drive (the root is that directory).
      const drive = /^(?:[A-Za-z]:|[\\/]{2}[^\\/]+[\\/]+[^\\/]+)/.exec(root)![0];
      const unc = /^[\\/]{2}[^\\/]+[\\/]+[^\\/]/.test(file);
      const ref = /^[\\/]/.test(file) && !unc ? drive + file : file;
      assertEquals(repoPath(file, root), viaNodePath(ref, root, win32), `${root} ${file}`);
    }),
    { numRuns: RUNS },
  );
});

Deno.test("repoPath() keeps names that are no path, and a file on another drive absolute", () => {
  assertEquals(repoPath("<stdin>", "/repo"), "<stdin>");
  assertEquals(repoPath("keydrift.yaml", undefined), "keydrift.yaml");
  assertEquals(repoPath("/repo/ops/k.yaml", "/repo"), "ops/k.yaml");
  assertEquals(repoPath("/other/k.yaml", "/repo"), "../other/k.yaml");
  assertEquals(repoPath("D:\\ops\\k.yaml", "C:\\repo"), "D:/ops/k.yaml");
  assertEquals(repoPath("ops\\k.yaml", "C:\\repo"), "ops/k.yaml");
});
