// deno-lint-ignore-file no-console
/**
 * One measured keydrift run in a fresh process (for `deno task bench`): `check -m -` against
 * `--api-url URL`, the manifest on stdin. Prints one JSON line: exit code, times from process
 * start (first request sent, last response read, end), requests sent, and peak RSS (the
 * kernel's high-water mark where /proc has it, else sampled).
 */
import { run } from "../lib/cli.ts";
import type { Deps } from "../lib/deps.ts";
import { POLICIES } from "../policies/mod.ts";

const [url, concurrency] = Deno.args;
let sampled = 0;
const sampler = setInterval(() => (sampled = Math.max(sampled, Deno.memoryUsage().rss)), 10);
const sent: number[] = [];
const done: number[] = [];
const stdin = await new Response(Deno.stdin.readable).text();

const deps: Deps = {
  fetch: async (i, init) => {
    sent.push(performance.now());
    const res = await fetch(i, init);
    const body = await res.arrayBuffer();
    done.push(performance.now());
    return new Response(body, res);
  },
  env: (n) => (n === "OPENAI_ADMIN_KEY" ? "sk-admin-bench" : undefined),
  readTextFile: () => Promise.reject(new Error("no files")),
  writeTextFile: () => Promise.resolve(),
  readDir: () => Promise.resolve(null),
  readStdin: () => Promise.resolve(stdin),
  stdout: () => Promise.resolve(),
  stderr: (t) => (Deno.stderr.writeSync(new TextEncoder().encode(t)), Promise.resolve()),
  now: () => Date.now(),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  isTerminal: () => false,
  noColor: true,
  serve: () => Promise.reject(new Error("unused")),
  waitForShutdown: () => Promise.resolve(),
};

const code = await run(
  [
    "check",
    "-m",
    "-",
    "--api-url",
    url,
    "--format",
    "json=/dev/null",
    "--concurrency",
    concurrency,
  ],
  deps,
  POLICIES,
);
const end = performance.now();
clearInterval(sampler);
let rss = sampled;
try {
  const hwm = /VmHWM:\s+(\d+) kB/.exec(await Deno.readTextFile("/proc/self/status"));
  if (hwm) rss = Number(hwm[1]) * 1024;
} catch {
  // no /proc (macOS): the sampled peak stands
}
console.log(JSON.stringify({
  code,
  firstSent: Math.min(...sent),
  lastDone: Math.max(...done),
  end,
  requests: sent.length,
  rss,
}));
