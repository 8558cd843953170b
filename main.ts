/**
 * keydrift's only shell: builds the injected dependencies from Deno.* and exits with run()'s code.
 * Everything else lives in lib/ and never touches the outside world directly.
 */
import { run } from "./lib/commands/cli.ts";
import { type Deps, timerSleep } from "./lib/core/deps.ts";
import { POLICIES } from "./policies/mod.ts";
import { redact } from "./lib/secrets/redact.ts";
import { textSafe } from "./lib/core/inert_text.ts";

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

/**
 * At most `limit` bytes of a reader: a device, an endless pipe or a file that grows while it is
 * read costs `limit` bytes, never more.
 */
async function readAtMost(
  from: { read(p: Uint8Array): Promise<number | null> },
  limit: number,
): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let size = 0;
  while (size < limit) {
    const buf = new Uint8Array(Math.min(1 << 16, limit - size));
    const n = await from.read(buf);
    if (n === null) break;
    parts.push(buf.subarray(0, n));
    size += n;
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) (out.set(p, at), at += p.length);
  return out;
}

const stdout = serialWriter(Deno.stdout.writable);
const stderr = serialWriter(Deno.stderr.writable);

function env(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch (e) {
    // Not permitted: the permission watcher (commands/permissions.ts) notes it and reads unset.
    if ((e as Error)?.name === "NotCapable") throw e;
    return undefined;
  }
}

const deps: Deps = {
  fetch: (input, init) => fetch(input, init),
  env,
  async fileInfo(path, opts) {
    const i = opts?.follow === false ? await Deno.lstat(path) : await Deno.stat(path);
    const id = i.dev !== null && i.ino !== null ? `${i.dev}:${i.ino}` : null;
    return { isFile: i.isFile, isSymlink: i.isSymlink, size: i.size, id };
  },
  async readFile(path, maxBytes) {
    using file = await Deno.open(path, { read: true });
    // What was opened, not what the name pointed to when it was looked at.
    if (!(await file.stat()).isFile) {
      throw Object.assign(new Error(`not a regular file: ${path}`), { name: "NotAFile" });
    }
    return await readAtMost(file, maxBytes + 1);
  },
  readStdin: (maxBytes) => readAtMost(Deno.stdin, maxBytes + 1),
  realPath: (path) => Deno.realPath(path),
  async createFile(path) {
    const file = await Deno.open(path, { write: true, createNew: true });
    return {
      async write(text) {
        const bytes = encoder.encode(text);
        for (let done = 0; done < bytes.length;) done += await file.write(bytes.subarray(done));
      },
      close: () => file.close(),
    };
  },
  rename: (from, to) => Deno.rename(from, to),
  remove: (path) => Deno.remove(path),
  appendTextFile: (path, text) => Deno.writeTextFile(path, text, { append: true }),
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
    // Not only regular files: a FIFO or a device named *.yaml is refused when read, not skipped.
    for await (const e of Deno.readDir(path)) if (!e.isDirectory) names.push(e.name);
    return names;
  },
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
  program: { entry: import.meta.url, standalone: Deno.build.standalone },
};

globalThis.addEventListener("unhandledrejection", (e) => {
  e.preventDefault();
  // A bug's last words: anything key-shaped in them goes (this path knows no secrets).
  const line = redact(String(e.reason?.message ?? e.reason).split("\n")[0]);
  Deno.stderr.writeSync(encoder.encode(`keydrift: error: ${textSafe(line)}\n`));
  Deno.exit(1);
});

Deno.exit(await run(Deno.args, deps, POLICIES));
