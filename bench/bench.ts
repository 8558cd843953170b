// deno-lint-ignore-file no-console
/**
 * `deno task bench`: keydrift against the fake Admin API on 127.0.0.1 with injected latency.
 * Per scenario: wall time, requests, the lower bound (minimal requests x latency / concurrency,
 * or the rate limit), the ratio, peak RSS, and the naive peer (a sequential loop of the official
 * SDK over the same projects). Usage: deno task bench [--latency MS] [--runs N] [--quick]
 */
import { parseArgs } from "node:util";
import OpenAI from "openai";
import { run } from "../lib/cli.ts";
import type { Deps } from "../lib/deps.ts";
import { createFakeApi } from "../lib/fake_api/mod.ts";
import type { FakeState } from "../lib/fake_api/state.ts";
import { POLICIES } from "../policies/mod.ts";
import { loadManifests } from "../lib/manifest.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { latency: { type: "string" }, runs: { type: "string" }, quick: { type: "boolean" } },
});
const LATENCY = Number(values.latency ?? 20);
const RUNS = Number(values.runs ?? 3);
const CONCURRENCY = 8;
const KEY = "sk-admin-bench";

function state(projects: number, keysPer: number, rps = 0): FakeState {
  const now = Math.floor(Date.now() / 1000);
  return {
    users: [],
    faults: [],
    options: { expires_at: true, latency_ms: LATENCY, rate_limit_rps: rps },
    projects: Array.from({ length: projects }, (_, p) => ({
      id: `proj_${String(p).padStart(5, "0")}`,
      name: `project-${p}`,
      status: "active" as const,
      created_at: now - 1000 * 86400,
      archived_at: null,
      members: [],
      service_accounts: [{
        id: `sa_${p}`,
        name: "bot",
        role: "member",
        created_at: now - 900 * 86400,
      }],
      keys: Array.from({ length: keysPer }, (_, k) => ({
        id: `key_${p}_${k}`,
        name: `key-${String(k).padStart(5, "0")}`,
        owner: `sa_${p}`,
        created_at: now - 100 * 86400,
        last_used_at: now - 86400,
        expires_at: now + 200 * 86400,
        redacted_value: "sk-svcac****abcd",
      })),
    })),
  };
}

function manifest(s: FakeState): string {
  const lines = ["version: 1", "projects:"];
  for (const p of s.projects) {
    lines.push(`  - id: ${p.id}`, "    keys:");
    for (const k of p.keys) {
      lines.push(
        `      - { name: ${k.name}, id: ${k.id}, owner: { type: service_account, name: bot } }`,
      );
    }
  }
  return lines.join("\n") + "\n";
}

let peak = 0;
const sampler = setInterval(() => (peak = Math.max(peak, Deno.memoryUsage().rss)), 20);

async function withServer<T>(
  s: FakeState,
  f: (url: string, requests: () => number) => Promise<T>,
): Promise<T> {
  const fake = createFakeApi(s, { now: () => Date.now() });
  const ac = new AbortController();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: ac.signal, onListen() {} },
    fake.handler,
  );
  try {
    return await f(`http://127.0.0.1:${server.addr.port}/v1`, () => fake.requests.length);
  } finally {
    ac.abort();
    await server.finished;
  }
}

function deps(stdin: string): Deps {
  return {
    fetch: (i, init) => fetch(i, init),
    env: (n) => (n === "OPENAI_ADMIN_KEY" ? KEY : undefined),
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
}

async function keydrift(s: FakeState) {
  const text = manifest(s);
  return await withServer(s, async (url, requests) => {
    peak = 0;
    const t0 = performance.now();
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
        String(CONCURRENCY),
      ],
      deps(text),
      POLICIES,
    );
    return { ms: performance.now() - t0, requests: requests(), code, rss: peak };
  });
}

async function naive(s: FakeState) {
  return await withServer(s, async (url, requests) => {
    const sdk = new OpenAI({ adminAPIKey: KEY, apiKey: null, baseURL: url, maxRetries: 5 });
    const t0 = performance.now();
    let n = 0;
    for (const p of s.projects) {
      await sdk.admin.organization.projects.retrieve(p.id);
      for await (
        const _ of sdk.admin.organization.projects.apiKeys.list(p.id, {
          owner_project_access: "any",
          limit: 100,
        })
      ) n++;
    }
    return { ms: performance.now() - t0, requests: requests(), keys: n };
  });
}

function minimal(s: FakeState): number {
  const projectPages = s.projects.length > 2
    ? Math.ceil(s.projects.length / 100)
    : s.projects.length;
  return projectPages +
    s.projects.reduce((n, p) => n + Math.max(1, Math.ceil(p.keys.length / 100)), 0);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const scenarios: { name: string; s: FakeState; rps?: number; naive: boolean }[] = [
  { name: "1 project x 1,000 keys", s: state(1, 1000), naive: true },
  { name: "200 projects x 50 keys", s: state(200, 50), naive: true },
  { name: "2,000 projects x 50 keys", s: state(2000, 50), naive: false },
  { name: "200 x 50, rate limit 100 req/s", s: state(200, 50, 100), rps: 100, naive: false },
];
if (values.quick) scenarios.splice(2, 1);

console.log(
  `keydrift bench: latency ${LATENCY} ms, concurrency ${CONCURRENCY}, median of ${RUNS} runs\n`,
);
console.log(
  "| scenario | wall | manifest parse | read (wall - parse) | requests (min) | bound | read/bound | peak RSS | naive SDK loop | speed-up |",
);
console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
for (const sc of scenarios) {
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push(await keydrift(sc.s));
  const ms = median(runs.map((r) => r.ms));
  const min = minimal(sc.s);
  const t0 = performance.now();
  loadManifests([{ path: "-", text: manifest(sc.s) }], POLICIES);
  const parseMs = performance.now() - t0;
  const chain = (sc.s.projects.length > 2 ? Math.ceil(sc.s.projects.length / 100) : 1) +
    Math.max(...sc.s.projects.map((p) => Math.max(1, Math.ceil(p.keys.length / 100))));
  const latencyBound = Math.max(Math.ceil(min / CONCURRENCY), chain) * LATENCY;
  const bound = sc.rps ? Math.max(latencyBound, ((min - sc.rps) / sc.rps) * 1000) : latencyBound;
  const nv = sc.naive ? await naive(sc.s) : null;
  const read = ms - parseMs;
  const rss = Math.max(...runs.map((r) => r.rss)) / 2 ** 20;
  const cells = [
    sc.name,
    `${ms.toFixed(0)} ms`,
    `${parseMs.toFixed(0)} ms`,
    `${read.toFixed(0)} ms`,
    `${runs[0].requests} (${min})`,
    `${bound.toFixed(0)} ms`,
    `${(read / bound).toFixed(2)}x`,
    `${rss.toFixed(0)} MB`,
    nv ? `${nv.ms.toFixed(0)} ms` : "skipped",
    nv ? `${(nv.ms / ms).toFixed(1)}x` : "-",
  ];
  console.log(`| ${cells.join(" | ")} |`);
  if (runs.some((r) => r.code === 1)) console.log(`  (exit 1 in ${sc.name}: see stderr)`);
}

// validate of a 10,000-key manifest, including Deno start-up.
const big = manifest(state(200, 50));
const times: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const t0 = performance.now();
  const child = new Deno.Command("deno", {
    args: [
      "run",
      "--no-prompt",
      "--ignore-env=LOG_TOKENS,LOG_STREAM",
      "--allow-read=.",
      new URL("../main.ts", import.meta.url).pathname,
      "validate",
      "-m",
      "-",
      "-q",
    ],
    stdin: "piped",
  }).spawn();
  const w = child.stdin.getWriter();
  await w.write(new TextEncoder().encode(big));
  await w.close();
  const status = await child.status;
  times.push(performance.now() - t0);
  if (!status.success) console.log("validate failed");
}
console.log(
  `\nvalidate, 10,000 keys (200 projects), including start-up: ${
    median(times).toFixed(0)
  } ms (median of ${RUNS})`,
);
clearInterval(sampler);
