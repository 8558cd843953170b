/**
 * keydrift's only shell: builds the injected dependencies from Deno.* and exits with run()'s code.
 * Everything else lives in lib/ and never touches the outside world directly.
 */
import { run } from "./lib/cli.ts";
import { type Deps, timerSleep } from "./lib/deps.ts";
import { POLICIES } from "./policies/mod.ts";
import { redact } from "./lib/redact.ts";
import { textSafe } from "./lib/render/inert.ts";

const encoder = new TextEncoder();

/**
 * Writes to a stream one text at a time, in call order: concurrent writers (a log line while a
 * report is written) must never meet a locked stream.
 */
function serialWriter(w: WritableStream<Uint8Array>): (text: string) => Promise<void> {
  let tail: Promise<void> = Promise.resolve();
  return (text) => {
    const next = tail.then(async () => {
      const writer = w.getWriter();
      try {
        await writer.write(encoder.encode(text));
      } finally {
        writer.releaseLock();
      }
    });
    tail = next.catch(() => undefined);
    return next;
  };
}

const stdout = serialWriter(Deno.stdout.writable);
const stderr = serialWriter(Deno.stderr.writable);

function env(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined; // not permitted: treated as unset
  }
}

const deps: Deps = {
  fetch: (input, init) => fetch(input, init),
  env,
  readTextFile: (path) => Deno.readTextFile(path),
  fileInfo: (path) => Deno.stat(path).then((i) => ({ isFile: i.isFile, size: i.size })),
  writeTextFile: (path, text, opts) =>
    Deno.writeTextFile(path, text, { append: opts?.append, createNew: opts?.createNew }),
  async readDir(path) {
    let info: Deno.FileInfo;
    try {
      info = await Deno.stat(path);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return null;
      throw e;
    }
    if (!info.isDirectory) return null;
    const names: string[] = [];
    for await (const entry of Deno.readDir(path)) if (entry.isFile) names.push(entry.name);
    return names;
  },
  readStdin: () => new Response(Deno.stdin.readable).text(),
  cwd() {
    try {
      return Deno.cwd();
    } catch {
      return undefined; // not permitted: paths stay as they were given
    }
  },
  stdout,
  stderr,
  now: () => Date.now(),
  sleep: timerSleep,
  random: () => Math.random(),
  isTerminal: () => Deno.stdout.isTerminal(),
  stderrIsTerminal: () => Deno.stderr.isTerminal(),
  columns() {
    try {
      return Deno.stdout.isTerminal() ? Deno.consoleSize().columns : undefined;
    } catch {
      return undefined;
    }
  },
  noColor: Deno.noColor,
  serve(handler, port) {
    return new Promise((resolve) => {
      const server = Deno.serve({
        hostname: "127.0.0.1",
        port,
        onListen: ({ port }) =>
          resolve({ url: `http://127.0.0.1:${port}/v1`, close: () => server.shutdown() }),
      }, handler);
    });
  },
  waitForShutdown() {
    // The executor runs now: the listeners are installed before this returns.
    return new Promise((resolve) => {
      const stop = () => {
        Deno.removeSignalListener("SIGINT", stop);
        Deno.removeSignalListener("SIGTERM", stop);
        resolve();
      };
      Deno.addSignalListener("SIGINT", stop);
      Deno.addSignalListener("SIGTERM", stop);
    });
  },
};

globalThis.addEventListener("unhandledrejection", (e) => {
  e.preventDefault();
  // A bug's last words: anything key-shaped in them goes (this path knows no secrets).
  const line = redact(String(e.reason?.message ?? e.reason).split("\n")[0]);
  Deno.stderr.writeSync(encoder.encode(`keydrift: error: ${textSafe(line)}\n`));
  Deno.exit(1);
});

Deno.exit(await run(Deno.args, deps, POLICIES));
