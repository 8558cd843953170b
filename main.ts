/**
 * keydrift's only shell: builds the injected dependencies from Deno.* and exits with run()'s code.
 * Everything else lives in lib/ and never touches the outside world directly.
 */
import { run } from "./lib/cli.ts";
import type { Deps } from "./lib/deps.ts";
import { POLICIES } from "./policies/mod.ts";

const encoder = new TextEncoder();

async function writeAll(w: WritableStream<Uint8Array>, text: string): Promise<void> {
  const writer = w.getWriter();
  try {
    await writer.write(encoder.encode(text));
  } finally {
    writer.releaseLock();
  }
}

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
  stdout: (text) => writeAll(Deno.stdout.writable, text),
  stderr: (text) => writeAll(Deno.stderr.writable, text),
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  isTerminal: () => Deno.stdout.isTerminal(),
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
  Deno.stderr.writeSync(
    encoder.encode(`keydrift: error: ${String(e.reason?.message ?? e.reason).split("\n")[0]}\n`),
  );
  Deno.exit(1);
});

Deno.exit(await run(Deno.args, deps, POLICIES));
