/** The outside world, injected: main.ts builds it from Deno.*, tests build their own. */

export interface Server {
  /** Base URL, e.g. `http://127.0.0.1:4010/v1`. */
  url: string;
  close(): Promise<void>;
}

export interface Deps {
  fetch: typeof fetch;
  /** Reads an environment variable; undefined when unset or not permitted. */
  env(name: string): string | undefined;
  readTextFile(path: string): Promise<string>;
  writeTextFile(
    path: string,
    text: string,
    opts?: { append?: boolean; createNew?: boolean },
  ): Promise<void>;
  /** Entry names of a directory, or null when `path` is not a directory. */
  readDir(path: string): Promise<string[] | null>;
  readStdin(): Promise<string>;
  stdout(text: string): Promise<void>;
  stderr(text: string): Promise<void>;
  /** Milliseconds since the epoch. */
  now(): number;
  sleep(ms: number): Promise<void>;
  /** Whether stdout is a terminal (colour decisions). */
  isTerminal(): boolean;
  /** The terminal's width when stdout is a terminal (text wraps there); optional. */
  columns?(): number | undefined;
  noColor: boolean;
  serve(handler: (req: Request) => Promise<Response>, port: number): Promise<Server>;
  /** Resolves on SIGINT or SIGTERM. */
  waitForShutdown(): Promise<void>;
}
