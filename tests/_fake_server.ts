/**
 * `keydrift fake-api` as a separate process on 127.0.0.1:0, spawned with the permission flags of
 * deno.json's own `fake-api` task, for the end-to-end tests (tests/e2e_test.ts, the round trip).
 */
import { ok } from "node:assert/strict";

const ROOT = new URL("..", import.meta.url).pathname;
const config = JSON.parse(Deno.readTextFileSync(`${ROOT}deno.json`));

/** The permission flags of a deno.json task: everything between `deno run|compile` and `main.ts`. */
export function taskFlags(task: string): string[] {
  const def = config.tasks[task];
  const words = (typeof def === "string" ? def : def.command as string).split(" ");
  return words.slice(2, words.indexOf("main.ts")).filter((w) =>
    !w.startsWith("-o") && w !== "dist/keydrift" && w !== "--exclude-unused-npm" &&
    w !== "$KEYDRIFT_COMPILE_FLAGS"
  );
}

/**
 * `keydrift fake-api --state STATE --port 0 [args]` in `cwd` (default the repository); with
 * `stdin`, the state comes from it (`--state -`). Resolves once it printed its base URL.
 */
export async function startFake(
  state = "examples/state.yaml",
  o: { stdin?: string; cwd?: string; args?: string[] } = {},
) {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--config",
      `${ROOT}deno.json`,
      ...taskFlags("fake-api"),
      `${ROOT}main.ts`,
      "fake-api",
      "--state",
      state,
      "--port",
      "0",
      ...(o.args ?? []),
    ],
    cwd: o.cwd ?? ROOT,
    stdin: o.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (o.stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(o.stdin));
    await w.close();
  }
  const { url, reader } = await announcedUrl(child.stdout);
  return {
    url,
    async stop() {
      child.kill("SIGTERM");
      const status = await child.status;
      await reader.cancel();
      await child.stderr.cancel();
      return status;
    },
  };
}

/** The URL a `fake-api` prints as its first line (checked), and the reader of the rest. */
export async function announcedUrl(stdout: ReadableStream<Uint8Array>) {
  const reader = stdout.pipeThrough(new TextDecoderStream()).getReader();
  let first = "";
  while (!first.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    first += value;
  }
  const url = first.split("\n")[0];
  ok(/^http:\/\/127\.0\.0\.1:\d+\/v1$/.test(url), url);
  return { url, reader };
}
