/**
 * Deno permissions: the scoped set keydrift's installed command, binary and recipes grant, and,
 * when the sandbox refuses something, what to grant and a command line that grants it. An
 * installed command or a binary cannot take permission flags, so the hint is a whole `deno run`
 * line, not just a flag.
 */
import type { Deps, Program } from "../core/deps.ts";
import { dirname } from "./files.ts";
import { VERSION } from "../core/version.ts";

/**
 * What adoption needs, scoped: the Admin API host and loopback (`fake-api`, a local proxy), the
 * variables keydrift reads, the working tree to read, and the working tree to write the files a
 * user names (`-o`, `--format NAME=PATH`, a `--summary` file there, baselines).
 */
export const SCOPED = {
  net: ["api.openai.com", "127.0.0.1"],
  env: ["OPENAI_ADMIN_KEY", "OPENAI_BASE_URL", "GITHUB_STEP_SUMMARY"],
  ignoreEnv: ["LOG_TOKENS", "LOG_STREAM"],
  read: ["."],
  write: ["."],
} as const;

/** Where keydrift's own sources are published, for a binary's `deno run` line. */
export const SOURCE_BASE = "https://raw.githubusercontent.com/keydrift/keydrift";

/** Permissions a run was refused, as the values of the flags that grant them. */
export interface Grants {
  read: Set<string>;
  write: Set<string>;
  net: Set<string>;
  /** Variables beyond the scoped set: a fleet manifest's `admin_key_env` names (issue 24). */
  env?: Set<string>;
  /** Variables beyond the scoped set that the run read (granted): kept in the line's grant. */
  envRead?: Set<string>;
}

/** The flags of the scoped set with `extra` grants added, in the order the recipes use. */
export function scopedFlags(extra?: Grants): string[] {
  const join = (base: readonly string[], more?: Set<string>) =>
    [...new Set([...base, ...(more ?? [])])].join(",");
  return [
    "--no-prompt",
    `--allow-net=${join(SCOPED.net, extra?.net)}`,
    `--allow-env=${join(SCOPED.env, extra?.env)}`,
    `--ignore-env=${SCOPED.ignoreEnv.join(",")}`,
    `--allow-read=${join(SCOPED.read, extra?.read)}`,
    `--allow-write=${join(SCOPED.write, extra?.write)}`,
  ];
}

const refused = (e: unknown) => (e as Error)?.name === "NotCapable";

/**
 * `deps` whose operations the sandbox refuses (Deno's NotCapable) record what they needed in
 * `refused`; the errors still propagate unchanged. Lookups that callers tolerate (a `realPath`,
 * an `lstat` of the step summary) are not recorded.
 */
export function watchPermissions(deps: Deps): { deps: Deps; refused: Grants } {
  // `env` and `envRead` appear once a variable beyond the scoped set is read (a fleet's keys).
  const need: Grants = { read: new Set(), write: new Set(), net: new Set() };
  const on =
    <A extends unknown[], R>(f: (...a: A) => Promise<R>, note: (...a: A) => void) =>
    async (...a: A): Promise<R> => {
      try {
        return await f(...a);
      } catch (e) {
        if (refused(e)) note(...a);
        throw e;
      }
    };
  const dirOf = (path: string) => (need.read.add(dirname(path)), need.write.add(dirname(path)));
  const watched: Deps = {
    ...deps,
    env: watchEnv(deps, need),
    fetch: on(deps.fetch, (input) => need.net.add(hostOf(input))),
    fileInfo: on(
      deps.fileInfo,
      (path, opts) => void (opts?.follow !== false && need.read.add(path)),
    ),
    readFile: on(deps.readFile, (path) => need.read.add(path)),
    readDir: on(deps.readDir, (path) => need.read.add(path)),
    createFile: on(deps.createFile, dirOf),
    rename: on(deps.rename, (_from, to) => dirOf(to)),
    appendTextFile: on(deps.appendTextFile, (path) => need.write.add(path)),
    serve: on(deps.serve, () => need.net.add("127.0.0.1")),
  };
  return { deps: watched, refused: need };
}

/**
 * `deps.env`, noting each variable beyond the scoped set that was read and each the sandbox
 * refused (a fleet org's key); a refused one reads as unset.
 */
function watchEnv(deps: Deps, need: Grants): Deps["env"] {
  return (name) => {
    try {
      const value = deps.env(name);
      if (!(SCOPED.env as readonly string[]).includes(name)) {
        (need.envRead ??= new Set()).add(name);
      }
      return value;
    } catch (e) {
      if (!refused(e)) throw e;
      (need.env ??= new Set()).add(name);
      return undefined;
    }
  };
}

function hostOf(input: RequestInfo | URL): string {
  const url = input instanceof Request ? input.url : String(input);
  try {
    return new URL(url).hostname;
  } catch {
    return url;
  }
}

/** `'…'` for a POSIX shell when a word needs it; plain words stay plain. */
export function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The `deno run` flags and entry that load keydrift from where this one came from. */
function source(program: Program | undefined): string[] {
  if (!program) return ["main.ts"];
  if (program.standalone) {
    const base = `${SOURCE_BASE}/v${VERSION}`;
    const host = new URL(SOURCE_BASE).host;
    return [
      "--no-config",
      `--import-map=${base}/deno.json`,
      `--allow-import=${host}`,
      `${base}/main.ts`,
    ];
  }
  const url = new URL(program.entry);
  const dir = new URL(".", url);
  if (url.protocol === "file:") {
    return [
      "--config",
      decodeURIComponent(new URL("deno.json", dir).pathname),
      decodeURIComponent(url.pathname),
    ];
  }
  return [
    "--no-config",
    `--import-map=${new URL("deno.json", dir).href}`,
    `--allow-import=${url.host}`,
    url.href,
  ];
}

/** The paths of `paths` that no other one contains (a directory grants what is under it). */
function outermost(paths: Set<string>): Set<string> {
  const inside = (p: string, dir: string) =>
    p !== dir && (dir === "/" ? p.startsWith("/") : p.startsWith(`${dir}/`));
  return new Set([...paths].filter((p) => ![...paths].some((d) => inside(p, d))));
}

const flagsOf = (g: Grants) =>
  [
    ...(g.net.size ? [`--allow-net=${[...g.net].join(",")}`] : []),
    ...(g.env?.size ? [`--allow-env=${[...g.env].join(",")}`] : []),
    ...(g.read.size ? [`--allow-read=${[...g.read].join(",")}`] : []),
    ...(g.write.size ? [`--allow-write=${[...g.write].join(",")}`] : []),
  ].join(" ");

/**
 * What to tell a user whose run the sandbox refused: the flags that grant it and a whole
 * `deno run` line (the same command, the scoped set with those added), since an installed
 * command or a binary cannot take flags. Empty when nothing was refused.
 */
export function grantHint(need: Grants, argv: readonly string[], program?: Program): string {
  if (!need.read.size && !need.write.size && !need.net.size && !need.env?.size) return "";
  const envRead = need.envRead;
  need = { net: need.net, read: outermost(need.read), write: outermost(need.write), env: need.env };
  // The line grants the variables the run did read beyond the scoped set too (a fleet's keys).
  const grant = { ...need, env: new Set([...(envRead ?? []), ...(need.env ?? [])]) };
  const line = ["deno", "run", ...scopedFlags(grant), ...source(program), ...argv].map(shellWord);
  const fixed = program?.standalone
    ? "this keydrift binary's permissions were fixed when it was built: run that line " +
      "(Deno 2.9 or later), or keep the files it reads and writes under the working directory"
    : "a keydrift installed with deno install takes no permission flags: run that line, or " +
      "install it again with them added to its deno install line";
  return `keydrift: not permitted: ${flagsOf(need)}; this grants it:\n  ${line.join(" ")}\n` +
    `keydrift: ${fixed}\n`;
}
