/**
 * The program's one way out: every byte written to stdout, stderr or a file passes the secret
 * scrubber here. Files are written whole through a temporary file in the target's directory,
 * renamed over the target: never through a symlink (the rename replaces the link itself), never
 * half-written, and never over a file this run reads. Commands get an {@link Io}; only `cli.ts`
 * makes one.
 */
import { append } from "../core/arrays.ts";
import type { Deps } from "../core/deps.ts";
import { fileProblem, InputError, OS_DENIED } from "../core/errors.ts";
import { scrubber } from "../secrets/redact.ts";
import { basename, dirname, identify, type PathIdentity, sameFile } from "./files.ts";

/** A file this run reads, which nothing it writes may replace. */
export interface Input {
  path: string;
  /** What it is, for messages: `manifest`, `baseline`, `fake state`, `admin key file`. */
  what: string;
}

/** Output of a command: stdout, stderr and files, every byte scrubbed of secrets */
export interface Io {
  deps: Deps;
  out(text: string): Promise<void>;
  err(text: string): Promise<void>;
  /** Files this run reads (or will): no write may replace or add to them. */
  protect(inputs: readonly Input[]): void;
  /** Refuses (InputError) a path that is, or would become, a file this run reads. */
  checkTarget(path: string): Promise<void>;
  /**
   * Writes a file whole from its pieces: to a new temporary file beside it, then renamed over
   * it. `createNew` refuses (an error named AlreadyExists) when the path exists. A refused write
   * is an InputError naming the path.
   */
  writeFile(
    path: string,
    pieces: Iterable<string>,
    opts?: { createNew?: boolean },
  ): Promise<void>;
  /**
   * Appends to a file (the step summary, which the CI runner creates): refused when the path is a
   * symlink or not a regular file (when keydrift may look at it), or a file this run reads.
   */
  append(path: string, text: string): Promise<void>;
  /** A secret that must never appear in any output from now on (the admin key). */
  addSecret(secret: string): void;
}

/** An Io over `deps` whose every output is scrubbed of the secrets it is told about. */
export function createIo(deps: Deps): Io {
  return new ScrubbedIo(deps);
}

/** The run's outputs, the files it reads (never replaced), and the secrets it scrubs. */
class ScrubbedIo implements Io {
  readonly #secrets: string[] = [];
  #scrub = scrubber(this.#secrets).redact;
  readonly #inputs: Input[] = [];
  #known: Promise<{ input: Input; id: PathIdentity }[]> | null = null;

  constructor(readonly deps: Deps) {}

  out = (t: string) => this.deps.stdout(this.#scrub(t));
  err = (t: string) => this.deps.stderr(this.#scrub(t));

  protect(more: readonly Input[]): void {
    append(this.#inputs, more);
    this.#known = null;
  }

  addSecret(s: string): void {
    this.#secrets.push(s);
    this.#scrub = scrubber(this.#secrets).redact;
  }

  async checkTarget(path: string): Promise<void> {
    const deps = this.deps;
    this.#known ??= Promise.all(this.#inputs.map(async (input) => ({
      input,
      id: await identify(deps, input.path),
    })));
    const target = await identify(deps, path);
    const dir = await identify(deps, dirname(path));
    for (const { input, id } of await this.#known) {
      const inside = input.what === "manifest" && /\.ya?ml$/.test(basename(path)) &&
        sameFile(dir, id);
      if (sameFile(target, id) || inside) {
        throw new InputError(
          `cannot write "${path}": it ${inside ? "would be read as a manifest from" : "is"} ` +
            `the ${input.what} "${input.path}" this run reads; write it elsewhere`,
        );
      }
    }
  }

  async writeFile(
    path: string,
    pieces: Iterable<string>,
    opts?: { createNew?: boolean },
  ): Promise<void> {
    await this.checkTarget(path);
    if (opts?.createNew && await exists(this.deps, path)) {
      throw Object.assign(new Error(`"${path}" exists`), { name: "AlreadyExists" });
    }
    // A device, FIFO or socket (or a symlink to one, such as /dev/stdout) is neither written
    // through nor replaced: replacing /dev/null would break the system.
    const target = await this.deps.fileInfo(path).catch(() => null);
    if (target && !target.isFile) {
      throw new InputError(
        `cannot write "${path}": it is not a regular file (a directory, a device, a FIFO?); ` +
          "keydrift writes reports to regular files only (--format NAME alone writes to stdout)",
      );
    }
    try {
      await replace(this.deps, path, pieces, this.#scrub);
    } catch (e) {
      throw e instanceof InputError ? e : new InputError(writeProblem(path, e));
    }
  }

  async append(path: string, text: string): Promise<void> {
    await this.checkTarget(path);
    const info = await this.deps.fileInfo(path, { follow: false }).catch((e) => {
      // Absent: created. Not permitted to look: the CI runner's file, appended as it expects.
      if (e?.name === "NotFound" || e?.name === "NotCapable") return null;
      throw new InputError(`cannot append to "${path}": ${fileProblem(e)}`);
    });
    if (info && (info.isSymlink || !info.isFile)) {
      throw new InputError(
        `cannot append to "${path}": it is ${
          info.isSymlink ? "a symlink" : "not a regular file"
        }; keydrift appends only to a regular file`,
      );
    }
    try {
      await this.deps.appendTextFile(path, this.#scrub(text));
    } catch (e) {
      throw new InputError(writeProblem(path, e, "append"));
    }
  }
}

/**
 * Writes a command's one output file; with `createNew`, a file already there is a usage error
 * that says what to do `instead` (`pass --force to overwrite it or -o to write elsewhere`).
 */
export async function writeOutput(
  io: Io,
  path: string,
  text: string,
  o: { createNew: boolean; command: string; instead: string },
): Promise<void> {
  try {
    await io.writeFile(path, [text], { createNew: o.createNew });
  } catch (e) {
    if ((e as Error).name !== "AlreadyExists") throw e;
    throw new InputError(`"${path}" already exists; ${o.instead}`);
  }
}

async function exists(deps: Deps, path: string): Promise<boolean> {
  try {
    await deps.fileInfo(path, { follow: false });
    return true;
  } catch (e) {
    if ((e as Error)?.name === "NotFound") return false;
    throw new InputError(writeProblem(path, e));
  }
}

/** Writes the pieces to a new temporary file beside `path`, then renames it over `path`. */
async function replace(
  deps: Deps,
  path: string,
  pieces: Iterable<string>,
  scrub: (s: string) => string,
): Promise<void> {
  const dir = dirname(path);
  let temp = "";
  let file: Awaited<ReturnType<Deps["createFile"]>> | null = null;
  for (let attempt = 0; !file; attempt++) {
    const tag = Math.floor(deps.random() * 2 ** 32).toString(36);
    temp = `${dir === "/" ? "" : dir}/.${basename(path)}.${tag}.keydrift-tmp`;
    try {
      file = await deps.createFile(temp);
    } catch (e) {
      if ((e as Error)?.name !== "AlreadyExists" || attempt >= 4) throw e;
    }
  }
  try {
    try {
      for (const piece of pieces) await file.write(scrub(piece));
    } finally {
      file.close();
    }
    await deps.rename(temp, path);
  } catch (e) {
    await deps.remove(temp).catch(() => undefined);
    throw e;
  }
}

/** Why a write failed, for a message naming the path. */
function writeProblem(path: string, e: unknown, mode: "replace" | "append" = "replace"): string {
  const name = (e as Error)?.name;
  if (name === "NotFound") return `cannot write "${path}": its directory does not exist`;
  if (name === "PermissionDenied") {
    return `cannot write "${path}": ${
      mode === "append" ? OS_DENIED : OS_DENIED.replace("its mode", "its directory's mode")
    }`;
  }
  if (name === "NotCapable" && mode === "append") {
    return `cannot write "${path}": permission denied (allow it with --allow-write=${path})`;
  }
  if (name === "NotCapable") {
    const dir = dirname(path);
    return `cannot write "${path}": permission denied (keydrift writes a file through a ` +
      `temporary file in its directory, then renames it: allow it with --allow-read=${dir} ` +
      `--allow-write=${dir})`;
  }
  if (name === "IsADirectory") return `cannot write "${path}": it is a directory`;
  return `cannot write "${path}": ${(e as Error)?.message ?? String(e)}`;
}
