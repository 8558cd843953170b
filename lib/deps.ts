/** The outside world, injected: main.ts builds it from Deno.*, tests build their own. */

/** A running local HTTP server: its base URL and a way to stop it */
export interface Server {
  /** Base URL, e.g. `http://127.0.0.1:4010/v1`. */
  url: string;
  close(): Promise<void>;
}

/**
 * The outside world a run uses (network, environment, files, stdio, clock, local server), injected
 * so tests can replace it
 */
export interface Deps {
  fetch: typeof fetch;
  /** Reads an environment variable; undefined when unset or not permitted. */
  env(name: string): string | undefined;
  readTextFile(path: string): Promise<string>;
  /** What `path` is, without reading it (follows symlinks); rejects like readTextFile when absent. */
  fileInfo(path: string): Promise<{ isFile: boolean; size: number }>;
  writeTextFile(
    path: string,
    text: string,
    opts?: { append?: boolean; createNew?: boolean },
  ): Promise<void>;
  /** Entry names of a directory, or null when `path` is not a directory. */
  readDir(path: string): Promise<string[] | null>;
  readStdin(): Promise<string>;
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
