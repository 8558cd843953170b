/** The outside world, injected: main.ts builds it from Deno.*, tests build their own. */

/** A running local HTTP server: its base URL and a way to stop it */
export interface Server {
  /** Base URL, e.g. `http://127.0.0.1:4010/v1`. */
  url: string;
  close(): Promise<void>;
}

/** What a path names, as `Deps.fileInfo` describes it */
export interface FileInfo {
  isFile: boolean;
  isSymlink: boolean;
  /** Bytes. */
  size: number;
  /** Device and inode (`dev:ino`) where the platform has them: equal ids are the same file. */
  id: string | null;
}

/** How this keydrift was started: its entry module and whether it is a compiled binary */
export interface Program {
  /** `import.meta.url` of main.ts: `file:` from a checkout or `deno install`, `https:` remote. */
  entry: string;
  /** True in a `deno compile` binary, whose permissions were fixed when it was built. */
  standalone: boolean;
}

/** A file open for writing */
export interface FileWriter {
  write(text: string): Promise<void>;
  close(): void;
}

/**
 * The outside world a run uses (network, environment, files, stdio, clock, local server), injected
 * so tests can replace it
 */
export interface Deps {
  fetch: typeof fetch;
  /** Reads an environment variable; undefined when unset or not permitted. */
  env(name: string): string | undefined;
  /**
   * What `path` names: by default after following symlinks (stat), with `follow: false` the
   * directory entry itself (lstat). Rejects (NotFound, NotCapable...) when it cannot be looked at.
   */
  fileInfo(path: string, opts?: { follow?: boolean }): Promise<FileInfo>;
  /**
   * At most `maxBytes` + 1 bytes of a file, so a caller can tell a file over its cap without
   * reading it all. Opening a FIFO blocks: callers check `fileInfo` first (see lib/files.ts).
   */
  readFile(path: string, maxBytes: number): Promise<Uint8Array>;
  /** At most `maxBytes` + 1 bytes of stdin. */
  readStdin(maxBytes: number): Promise<Uint8Array>;
  /** The canonical absolute path of an existing file or directory (symlinks resolved). */
  realPath(path: string): Promise<string>;
  /**
   * Creates a new file (failing with AlreadyExists if anything, a symlink included, has the name)
   * and returns a writer over the open file: writes never reopen the path.
   */
  createFile(path: string): Promise<FileWriter>;
  /** Renames `from` to `to`, replacing the directory entry `to` (a symlink is replaced, not followed). */
  rename(from: string, to: string): Promise<void>;
  /** Removes a file. */
  remove(path: string): Promise<void>;
  /** Appends to a file, creating it when absent (the step summary). */
  appendTextFile(path: string, text: string): Promise<void>;
  /** Names of the entries of a directory that are not directories, or null when `path` is not one. */
  readDir(path: string): Promise<string[] | null>;
  /** The working directory (repository root for SARIF and Code Quality paths); undefined if unknown. */
  cwd?(): string | undefined;
  stdout(text: string): Promise<void>;
  stderr(text: string): Promise<void>;
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms`, or as soon as `signal` aborts (never rejects). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** A number in [0, 1) (retry jitter). */
  random(): number;
  /** Whether stdout is a terminal (colour decisions). */
  isTerminal(): boolean;
  /** Whether stderr is a terminal (progress lines). */
  stderrIsTerminal?(): boolean;
  /** The terminal's width when stdout is a terminal (text wraps there); optional. */
  columns?(): number | undefined;
  noColor: boolean;
  serve(handler: (req: Request) => Promise<Response>, port: number): Promise<Server>;
  /**
   * Starts listening for SIGINT and SIGTERM at once (before it returns) and resolves on the first.
   * Call it before telling anyone the process is ready, so an early signal is not lost.
   */
  waitForShutdown(): Promise<void>;
  /** How keydrift was started, for the command line a refused permission's message gives. */
  program?: Program;
}

/**
 * The real clock's wait, as `Deps.sleep` promises it: a timer that resolves after `ms`, or at once
 * when `signal` aborts (never rejects, and leaves no timer or listener behind).
 */
export function timerSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
