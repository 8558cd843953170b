// deno-lint-ignore-file no-console
/**
 * One `check` against the fake's budget (issue 21) for `deno task bench`, in a fresh process:
 * `budget_worker.ts PROJECTS PER_MINUTE SCALE LATENCY_MS [check flags...]`. The fake runs in this
 * process, and it and keydrift read one clock that runs SCALE times faster than the wall (their
 * waits are the wall's divided by SCALE), so a read the budget stretches to minutes takes seconds;
 * every time printed is in the API's (scaled) milliseconds. LATENCY_MS is each answer's latency in
 * wall milliseconds. Prints exit code, first request sent, last answer, requests, refusals and the
 * estimate keydrift stated.
 */
import { run } from "../lib/commands/cli.ts";
import { type Deps, timerSleep } from "../lib/core/deps.ts";
import { createFakeApi } from "../lib/fake/mod.ts";
import { loadState } from "../lib/fake/state.ts";
import { readFull } from "../lib/yaml/full.ts";
import { POLICIES } from "../policies/mod.ts";
import { id, manifest } from "./manifest.ts";

const [projects, perMinute, scale, latency, ...flags] = Deno.args;
const SCALE = Number(scale);
const start = performance.now();
const base = Date.now();
const now = () => base + (performance.now() - start) * SCALE;
const sleep = (ms: number, signal?: AbortSignal) => timerSleep(Math.max(0, ms / SCALE), signal);

const lines = [
  `options: { latency_ms: ${Number(latency) * SCALE}, budget: { requests: ${perMinute} } }`,
  "projects:",
];
for (let p = 0; p < Number(projects); p++) {
  lines.push(
    `  - { id: ${id(p)}, service_accounts: [{ id: sa_${p}, name: bot }],`,
    `      generate: { count: 1, name: "key-{n}", owner: sa_${p}, last_used_at: -1d, expires_at: +200d } }`,
  );
}
const clock = Math.floor(base / 1000);
const { state, problems } = loadState("budget.yaml", lines.join("\n") + "\n", clock, readFull);
if (!state) throw new Error(JSON.stringify(problems));
const api = createFakeApi(state, { now, sleep });
const text = new TextEncoder().encode(manifest(Number(projects), 1));
const sent: number[] = [];
const done: number[] = [];
let refused = 0;
let stderr = "";

const deps: Deps = {
  fetch: async (input, init) => {
    sent.push(now());
    const res = await api.handler(new Request(input, init));
    done.push(now());
    if (res.status === 429) refused++;
    return res;
  },
  env: (n) => (n === "OPENAI_ADMIN_KEY" ? "sk-admin-bench" : undefined),
  fileInfo: () => Promise.resolve({ isFile: true, isSymlink: false, size: text.length, id: null }),
  readFile: () => Promise.resolve(text),
  readStdin: () => Promise.resolve(new Uint8Array()),
  realPath: () => Promise.reject(new Error("no files")),
  createFile: () => Promise.resolve({ write: () => Promise.resolve(), close: () => undefined }),
  rename: () => Promise.resolve(),
  remove: () => Promise.resolve(),
  appendTextFile: () => Promise.resolve(),
  readDir: () => Promise.resolve(null),
  stdout: () => Promise.resolve(),
  stderr: (t) => (stderr += t, Promise.resolve()),
  now,
  sleep,
  random: Math.random,
  isTerminal: () => false,
  noColor: true,
  serve: () => Promise.reject(new Error("unused")),
  waitForShutdown: () => Promise.resolve(),
};

const args = ["check", "-m", "keydrift.yaml", "--api-url", "http://127.0.0.1/v1"];
const code = await run([...args, "--format", "json=/dev/null", ...flags], deps, POLICIES);
console.log(JSON.stringify({
  code,
  firstSent: Math.min(...sent),
  lastDone: Math.max(...done),
  requests: sent.length,
  refused,
  estimate: /this read needs .*/.exec(stderr)?.[0] ?? null,
  stderr: code === 0 ? "" : stderr,
}));
Deno.exit(0);
