// deno-lint-ignore-file no-console
/**
 * One measured run in a fresh process, for `deno task bench`. Times are from process start.
 * - `worker.ts keydrift URL PROJECTS KEYS CONCURRENCY`: `check` against URL of the bench manifest
 *   (made here, as a file read would give it, so that no pipe buffers count). Prints
 *   exit code, first request sent, last response received, end, requests sent, and peak RSS (the
 *   kernel's high-water mark where /proc has it, else sampled).
 * - `worker.ts naive URL PROJECTS KEYS`: the naive peer, a sequential loop of the official SDK
 *   (retrieve each project, list its keys). Prints its first request and end.
 * - `worker.ts per-key URL PROJECTS KEYS N`: SPEC's naive peer, sequential retrieval of each key,
 *   timed over the first N keys. Prints the time per retrieve.
 */
import { run } from "../lib/commands/cli.ts";
import { type Deps, timerSleep } from "../lib/core/deps.ts";
import { POLICIES } from "../policies/mod.ts";
import { id, manifest } from "./manifest.ts";

const [mode, url, a, b, c] = Deno.args;
if (mode === "naive" || mode === "per-key") {
  const { default: OpenAI } = await import("openai");
  let first = 0;
  const sdk = new OpenAI({
    adminAPIKey: "sk-admin-bench",
    apiKey: null,
    baseURL: url,
    maxRetries: 5,
    fetch: (i, init) => (first ||= performance.now(), fetch(i, init)),
  });
  const [projects, keys] = [Number(a), Number(b)];
  if (mode === "naive") {
    let n = 0;
    for (let p = 0; p < projects; p++) {
      await sdk.admin.organization.projects.retrieve(id(p));
      for await (
        const _ of sdk.admin.organization.projects.apiKeys.list(id(p), {
          owner_project_access: "any",
          limit: 100,
        })
      ) n++;
    }
    if (n !== projects * keys) throw new Error(`naive loop saw ${n} keys`);
    console.log(JSON.stringify({ firstSent: first, end: performance.now() }));
  } else {
    const sample = Number(c);
    const width = String(keys).length;
    const t0 = performance.now();
    for (let i = 0; i < sample; i++) {
      const p = Math.floor(i / keys) % projects;
      const k = String((i % keys) + 1).padStart(width, "0");
      await sdk.admin.organization.projects.apiKeys.retrieve(`key_${id(p).slice(5)}_${k}`, {
        project_id: id(p),
      });
    }
    console.log(JSON.stringify({ perRequest: (performance.now() - t0) / sample }));
  }
  Deno.exit(0);
}
const concurrency = c;
// Making the manifest is the bench's work, not keydrift's (which reads a file): timed apart.
const genStart = performance.now();
const text = manifest(Number(a), Number(b));
const gen = performance.now() - genStart;
const manifestBytes = new TextEncoder().encode(text);
let sampled = 0;
const sampler = setInterval(() => (sampled = Math.max(sampled, Deno.memoryUsage().rss)), 10);
const sent: number[] = [];
const done: number[] = [];

const deps: Deps = {
  fetch: async (i, init) => {
    sent.push(performance.now());
    const res = await fetch(i, init);
    // Headers in: the body (a few KB) follows at once. Not buffered here, so that the peak RSS
    // is keydrift's own.
    done.push(performance.now());
    return res;
  },
  env: (n) => (n === "OPENAI_ADMIN_KEY" ? "sk-admin-bench" : undefined),
  fileInfo: (path) =>
    path === "keydrift.yaml"
      ? Promise.resolve({ isFile: true, isSymlink: false, size: manifestBytes.length, id: null })
      : Promise.reject(new Error("no files")),
  readFile: (path) =>
    path === "keydrift.yaml"
      ? Promise.resolve(manifestBytes)
      : Promise.reject(new Error("no files")),
  readStdin: () => Promise.resolve(new Uint8Array()),
  realPath: () => Promise.reject(new Error("no files")),
  // The report is rendered and scrubbed in full, then dropped (as --format json=/dev/null was).
  createFile: () => Promise.resolve({ write: () => Promise.resolve(), close: () => undefined }),
  rename: () => Promise.resolve(),
  remove: () => Promise.resolve(),
  appendTextFile: () => Promise.resolve(),
  readDir: () => Promise.resolve(null),
  stdout: () => Promise.resolve(),
  stderr: (t) => (Deno.stderr.writeSync(new TextEncoder().encode(t)), Promise.resolve()),
  now: () => Date.now(),
  sleep: timerSleep,
  random: Math.random,
  isTerminal: () => false,
  noColor: true,
  serve: () => Promise.reject(new Error("unused")),
  waitForShutdown: () => Promise.resolve(),
};

const code = await run(
  [
    "check",
    "-m",
    "keydrift.yaml",
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
  gen,
  firstSent: Math.min(...sent),
  lastDone: Math.max(...done),
  end,
  requests: sent.length,
  rss,
}));
// main.ts ends with Deno.exit, which skips tearing down the heap (50-90 ms at 100 MB): so does
// its stand-in here, or the bench would time a teardown that keydrift never pays.
Deno.exit(0);
