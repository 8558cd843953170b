// deno-lint-ignore-file no-console
/**
 * `deno task bench`: keydrift against the fake Admin API (`keydrift fake-api`, its own process)
 * on 127.0.0.1 with injected latency. Per scenario: wall time split into start-up + manifest,
 * read (first request sent to last response) and diff + report; requests sent and the minimum;
 * the read's lower bound (rounds of `concurrency` minimal requests x the measured round trip, or
 * the rate limit); the ratio; peak RSS; the naive peer (a sequential loop of the official SDK
 * over the same projects, in its own fresh process), compared whole process to whole process
 * and after start-up (its loop vs keydrift's read + diff + report); and SPEC's per-key naive
 * peer (sequential retrieval of every key), timed over 100 keys and scaled.
 * Start-up is measured against a bare `deno run` of an empty script in the same run, in pairs
 * (bare, keydrift, bare, keydrift, ...: the machine's speed drifts less within a pair): keydrift's
 * own start-up is the median of the pairs' differences; the scenario table's "with start-up"
 * ratio is (wall - bare deno run) / read bound.
 * The scrubber section times one scrubbing call on hostile inputs of 60 KB to 1 MB, each in its
 * own process, stopped past `--scrub-cap` seconds (default 30), and a 10,000-key read's scrubbing.
 * The budget section (bench/budget.ts) runs `check` against the fake's budget of 7 requests a
 * minute per path template (issue 21) at an accelerated clock (`--time-scale`, default 20).
 * Usage: deno task bench [--latency MS] [--runs N] [--quick] [--only TEXT (scenario names with it;
 * "scrubber" or "budget" for those sections)] [--scrub-cap SECONDS] [--time-scale N]
 */
import { parseArgs } from "node:util";
import { id, manifest } from "./manifest.ts";
import { scrubTable } from "./scrub.ts";
import { budgetTable } from "./budget.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    latency: { type: "string" },
    runs: { type: "string" },
    quick: { type: "boolean" },
    only: { type: "string" },
    "scrub-cap": { type: "string" },
    "time-scale": { type: "string" },
  },
});
const LATENCY = Number(values.latency ?? 20);
const RUNS = Number(values.runs ?? 3);
const CONCURRENCY = 8;
const KEY = "sk-admin-bench";
const MAIN = new URL("../main.ts", import.meta.url).pathname;
const WORKER = new URL("./worker.ts", import.meta.url).pathname;
const EMPTY = new URL("./empty.ts", import.meta.url).pathname;
/** The test config: the worker's naive peers import the official SDK, a test-only package. */
const TEST_CONFIG = new URL("../tests/deno.json", import.meta.url).pathname;
const SMALL = new URL("./small.yaml", import.meta.url).pathname;
/** Start-up differences are a few ms on a noisy machine: many pairs. */
const PAIRS = Math.max(15, RUNS * 5);

interface Scenario {
  name: string;
  projects: number;
  keys: number;
  rps?: number;
  naive: boolean;
}

/** The fake's state file: `generate` makes keys key_<p>_<n> named key-<n>. */
function stateYaml(sc: Scenario): string {
  const lines = [
    `options: { expires_at: true, latency_ms: ${LATENCY}, rate_limit_rps: ${sc.rps ?? 0} }`,
    "users: []",
    "projects:",
  ];
  for (let p = 0; p < sc.projects; p++) {
    lines.push(
      `  - { id: ${id(p)}, name: project-${p}, service_accounts: [{ id: sa_${p}, name: bot }],`,
      `      generate: { count: ${sc.keys}, name: "key-{n}", owner: sa_${p}, last_used_at: -1d, expires_at: +200d } }`,
    );
  }
  return lines.join("\n") + "\n";
}

/** `deno run FLAGS...` with `stdin` written to it and closed; stdout piped. */
async function denoRun(flags: string[], stdin: string, stderr: "null" | "inherit" = "inherit") {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", "--ignore-env=LOG_TOKENS,LOG_STREAM", ...flags],
    stdin: "piped",
    stdout: "piped",
    stderr,
  }).spawn();
  const w = child.stdin.getWriter();
  await w.write(new TextEncoder().encode(stdin));
  await w.close();
  return child;
}

/** Runs `f` against a fresh `keydrift fake-api` process (its own CPU, a full rate-limit bucket). */
async function withServer<T>(sc: Scenario, f: (url: string) => Promise<T>): Promise<T> {
  const child = await denoRun(
    ["--allow-net=127.0.0.1", MAIN, "fake-api", "--state", "-"],
    stateYaml(sc),
    "null",
  );
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let first = "";
  while (!first.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("fake-api exited before printing its URL");
    first += value;
  }
  try {
    return await f(first.split("\n")[0].trim());
  } finally {
    child.kill("SIGTERM");
    await reader.cancel();
    await child.status;
  }
}

/** One keydrift run in a fresh process (bench/worker.ts), so start-up and peak RSS are its own. */
async function keydrift(sc: Scenario) {
  return await withServer(sc, async (url) => {
    const r = await worker([
      "keydrift",
      url,
      String(sc.projects),
      String(sc.keys),
      String(CONCURRENCY),
    ]);
    return {
      ms: r.wall - r.gen,
      startup: r.firstSent - r.gen,
      read: r.lastDone - r.firstSent,
      after: r.end - r.lastDone,
      requests: r.requests as number,
      code: r.code as number,
      rss: r.rss as number,
    };
  });
}

/** Runs bench/worker.ts in a fresh process and returns its JSON line and wall time. */
async function worker(args: string[]) {
  const t0 = performance.now();
  const child = await denoRun(
    [
      "--config",
      TEST_CONFIG,
      "--allow-net=127.0.0.1",
      "--allow-read=/proc/self/status",
      "--allow-env",
      WORKER,
      ...args,
    ],
    "",
  );
  const out = await child.output();
  const wall = performance.now() - t0;
  return { wall, ...JSON.parse(new TextDecoder().decode(out.stdout)) };
}

/** The naive peer in its own fresh process too, so both walls include start-up. */
async function naive(sc: Scenario) {
  return await withServer(sc, async (url) => {
    const r = await worker(["naive", url, String(sc.projects), String(sc.keys)]);
    return { ms: r.wall as number, loop: r.end - r.firstSent };
  });
}

/** SPEC's naive peer, per-key sequential retrieval: timed over 100 keys, scaled to all of them. */
async function perKey(sc: Scenario) {
  return await withServer(sc, async (url) => {
    const r = await worker(["per-key", url, String(sc.projects), String(sc.keys), "100"]);
    return { ms: (r.perRequest as number) * (sc.projects * sc.keys + sc.projects) };
  });
}

/**
 * The fake's real round trip for one key page (its timer fires ~1.5 ms late and HTTP adds ~1 ms
 * on top of the nominal latency): the median of 15 sequential requests, with no rate limit.
 */
async function roundTrip(sc: Scenario): Promise<number> {
  return await withServer({ ...sc, projects: 1, rps: 0 }, async (url) => {
    const times: number[] = [];
    for (let i = 0; i < 15; i++) {
      const t0 = performance.now();
      const res = await fetch(`${url}/organization/projects/${id(0)}/api_keys?limit=100`, {
        headers: { authorization: `Bearer ${KEY}` },
      });
      await res.arrayBuffer();
      times.push(performance.now() - t0);
    }
    return median(times);
  });
}

/** Fewest requests that can answer: project pages (or retrieves) plus every key page. */
function minimal(sc: Scenario): number {
  const projectReads = sc.projects > 2 ? Math.ceil(sc.projects / 100) : sc.projects;
  return projectReads + sc.projects * Math.max(1, Math.ceil(sc.keys / 100));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Wall ms of one `deno run` (stdin written and closed, output thrown away); fails loudly. */
async function timed(flags: string[], stdin = ""): Promise<number> {
  const t0 = performance.now();
  const child = await denoRun(flags, stdin, "null");
  await child.stdout.cancel();
  const status = await child.status;
  const ms = performance.now() - t0;
  if (!status.success) throw new Error(`deno run ${flags.join(" ")} failed (${status.code})`);
  return ms;
}

/** A bare `deno run` of an empty script: Deno's own start-up, the yardstick. */
const bare = () => timed([EMPTY]);

/**
 * `n` pairs of (bare deno run, `run()`), alternating: the median of each and the median of the
 * pairs' differences (keydrift's own share). Wall time only: Deno reads no /proc without -A, so
 * CPU times come from outside (farm-bench in the README).
 */
async function paired(n: number, run: () => Promise<number>) {
  const b: number[] = [];
  const k: number[] = [];
  for (let i = 0; i < n; i++) {
    b.push(await bare());
    k.push(await run());
  }
  return { bare: median(b), wall: median(k), own: median(k.map((x, i) => x - b[i])) };
}

const ms = (x: number) => `${x.toFixed(0)} ms`;

const scenarios: Scenario[] = [
  { name: "1 project x 1,000 keys", projects: 1, keys: 1000, naive: true },
  { name: "200 projects x 50 keys", projects: 200, keys: 50, naive: true },
  { name: "2,000 projects x 50 keys", projects: 2000, keys: 50, naive: false },
  { name: "200 x 50, rate limit 100 req/s", projects: 200, keys: 50, rps: 100, naive: false },
];
if (values.quick) scenarios.splice(2, 1);
if (values.only) {
  scenarios.splice(
    0,
    scenarios.length,
    ...scenarios.filter((s) => s.name.includes(values.only!)),
  );
}

console.log(
  `keydrift bench: fake Admin API in its own process, latency ${LATENCY} ms, concurrency ${CONCURRENCY}, median of ${RUNS} runs\n`,
);

const small = await paired(
  PAIRS,
  () => timed([`--allow-read=${SMALL}`, MAIN, "validate", "-m", SMALL, "-q"]),
);
console.log(
  `start-up: bare \`deno run\` of an empty script ${
    ms(small.bare)
  }; \`validate\` of a 3-line manifest ${ms(small.wall)}; keydrift's own start-up ${
    ms(small.own)
  } (median of ${PAIRS} paired differences)\n`,
);

console.log(
  "| scenario | wall | bare deno run | start-up + parse | read | diff + report | requests (min) | round trip | read bound | read/bound | (wall - bare deno run)/bound | peak RSS | naive SDK loop | naive/wall | naive/keydrift after start-up | per-key naive (est.) | per-key/wall |",
);
console.log(
  "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
);
for (const sc of scenarios) {
  const runs: Awaited<ReturnType<typeof keydrift>>[] = [];
  const bares: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    bares.push(await bare());
    runs.push(await keydrift(sc));
  }
  const med = (f: (r: (typeof runs)[number]) => number) => median(runs.map(f));
  const min = minimal(sc);
  // Key pages of one project are a chain (each needs the previous cursor).
  const chain = Math.max(1, Math.ceil(sc.keys / 100));
  const rtt = await roundTrip(sc);
  const latencyBound = Math.max(Math.ceil(min / CONCURRENCY), chain) * rtt;
  // The fake's bucket holds one second of requests; the rest arrive at the rate.
  const bound = sc.rps ? Math.max(latencyBound, ((min - sc.rps) / sc.rps) * 1000) : latencyBound;
  const nv = sc.naive ? await naive(sc) : null;
  const pk = sc.naive ? await perKey(sc) : null;
  const wall = med((r) => r.ms);
  const read = med((r) => r.read);
  // keydrift's whole run less Deno's own start-up, pair by pair.
  const own = median(runs.map((r, i) => r.ms - bares[i]));
  const cells = [
    sc.name,
    ms(wall),
    ms(median(bares)),
    ms(med((r) => r.startup)),
    ms(read),
    ms(med((r) => r.after)),
    `${med((r) => r.requests)} (${min})`,
    `${rtt.toFixed(1)} ms`,
    ms(bound),
    `${(read / bound).toFixed(2)}x`,
    `${(own / bound).toFixed(2)}x`,
    `${(Math.max(...runs.map((r) => r.rss)) / 2 ** 20).toFixed(0)} MB`,
    nv ? ms(nv.ms) : "skipped",
    nv ? `${(nv.ms / wall).toFixed(1)}x` : "-",
    nv ? `${(nv.loop / (read + med((r) => r.after))).toFixed(1)}x` : "-",
    pk ? `${(pk.ms / 1000).toFixed(0)} s` : "skipped",
    pk ? `${(pk.ms / wall).toFixed(0)}x` : "-",
  ];
  console.log(`| ${cells.join(" | ")} |`);
  const codes = new Set(runs.map((r) => r.code));
  if (codes.size !== 1 || !codes.has(0)) {
    console.log(`  (exit codes ${[...codes].join(", ")} in ${sc.name}, expected 0: see stderr)`);
  }
}

// validate of a 10,000-key manifest (read from stdin), paired with bare runs too.
const big = manifest(200, 50);
const large = await paired(
  Math.max(RUNS, 5),
  () => timed(["--allow-read=.", MAIN, "validate", "-m", "-", "-q"], big),
);
console.log(
  `\n\`validate\` of 10,000 keys (200 projects): ${ms(large.wall)} (bare \`deno run\` ${
    ms(large.bare)
  }; keydrift's own ${ms(large.own)}; median of ${Math.max(RUNS, 5)} pairs)`,
);

await budgetTable(RUNS, LATENCY, Number(values["time-scale"] ?? 20), values.only);

if (!values.only || "scrubber".includes(values.only)) {
  await scrubTable(Number(values["scrub-cap"] ?? 30));
}
