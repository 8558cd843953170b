/**
 * The Admin API's budget (issue 21), end to end in virtual time: the fake serves 7 requests a
 * minute per path template and refuses the rest with a 429 without `retry-after` (as the real API
 * does); keydrift learns the budget from its first refusals and paces to it, states its estimate
 * on stderr, lets the default deadline follow the plan, and counts what it sent in the JSON
 * report. Wall time stays well under a second per run: only the virtual clock moves.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { createFakeApi } from "../lib/fake/mod.ts";
import {
  ADMIN_KEY,
  CHECK_API,
  NOW,
  reportSchemaValidator,
  runCli,
  stateFrom,
  virtualClock,
} from "./_helpers.ts";

// The schema compiled and the command's modules loaded once before the runs, so that the wall
// time each measures is its own.
await reportSchemaValidator();

/** An organisation of `n` projects, one service account key each, with the real API's budget. */
function state(n: number, budget: string) {
  const projects = Array.from(
    { length: n },
    (_, p) =>
      `  - { id: proj_${p}, service_accounts: [{ id: sa_${p}, name: bot }],
      keys: [{ id: key_${p}, name: deploy, owner: sa_${p}, last_used_at: -1d }] }`,
  ).join("\n");
  return stateFrom(`options: { latency_ms: 300, budget: ${budget} }\nprojects:\n${projects}\n`);
}

function manifest(n: number): string {
  return "version: 1\nprojects:\n" + Array.from(
    { length: n },
    (_, p) =>
      `  - id: proj_${p}\n    keys:\n      - { name: deploy, owner: { type: service_account, name: bot } }`,
  ).join("\n") + "\n";
}

/** The read's lower bound under a budget of `perMinute`: the last of `requests` starts then. */
function bound(requests: number, perMinute: number): number {
  return Math.floor((requests - 1) / perMinute) * 60_000;
}

async function run(n: number, budget: string, args: string[] = [], terminal = false) {
  const clock = virtualClock();
  const api = createFakeApi(state(n, budget), { now: clock.now, sleep: clock.sleep });
  const wall = performance.now();
  const sent: { at: number; path: string }[] = [];
  const answered: { at: number; status: number; retryAfter: number | null }[] = [];
  const r = await runCli([...CHECK_API, "--format", "json=r.json", ...args], {
    files: { "keydrift.yaml": manifest(n) },
    env: { OPENAI_ADMIN_KEY: ADMIN_KEY },
    fetch: async (input, init) => {
      sent.push({ at: clock.now() - NOW, path: new URL(String(input)).pathname });
      const res = await api.handler(new Request(input, init));
      const retryAfter = res.headers.get("retry-after");
      const at = clock.now() - NOW;
      answered.push({ at, status: res.status, retryAfter: retryAfter ? Number(retryAfter) : null });
      return res;
    },
    clock,
    stderrTerminal: terminal,
  });
  const report = r.files.has("r.json") ? JSON.parse(r.files.get("r.json")!) : null;
  return {
    r,
    report,
    api,
    sent,
    answered,
    /** Answers the fake refused with a 429. */
    refused: answered.filter((a) => a.status === 429).length,
    elapsed: clock.now() - NOW,
    wallMs: performance.now() - wall,
    keyListings: api.requests.filter((q) => q.path.endsWith("/api_keys")).length,
  };
}

await run(1, "{ requests: 0 }");

const NO_HEADERS = "{ requests: 7 }";
/**
 * The wall time a run in virtual time may take: minutes of the API's time in a fraction of a
 * second (about 0.5 s here), with room for a loaded machine; a run in real time would take minutes.
 */
const WALL_MS = 3000;
/** The estimate keydrift states once it knows the budget. */
const ESTIMATE =
  /keydrift: this read needs (\d+) requests or more, (about \d+ (?:s|minutes) at|within the budget of) 7 requests a minute per endpoint \((learned from the API's refusals|--max-rpm)\)/;

Deno.test("budget: 15 projects at 7 a minute without headers finish in sync within 1.25x of the budget's bound, at most 6 refused", async () => {
  const x = await run(15, NO_HEADERS, ["-v"]);
  assertEquals(x.r.code, 0, x.r.stdout + x.r.stderr);
  const limit = bound(15, 7);
  ok(x.elapsed >= limit, `finished in ${x.elapsed} ms, faster than the budget allows`);
  ok(x.elapsed <= limit * 1.25, `took ${x.elapsed} ms; the budget allows ${limit} ms`);
  ok(x.refused <= 6, `${x.refused} requests refused: ${JSON.stringify(x.answered)}`);
  assertEquals(x.keyListings, 15 + x.refused);
  ok(x.wallMs < WALL_MS, `the run took ${x.wallMs} ms of wall time`);
  // Counted in the JSON report and said with -v.
  const keys = x.report.api_requests.endpoints.find((e: { endpoint: string }) =>
    e.endpoint === "/organization/projects/{project_id}/api_keys"
  );
  assertEquals(keys, {
    endpoint: "/organization/projects/{project_id}/api_keys",
    requests: 15 + x.refused,
    refused: x.refused,
    budget_per_minute: 7,
    budget_source: "learned",
  });
  assertEquals(x.report.api_requests.refused, x.refused);
  assertEquals(x.report.api_requests.requests, x.answered.length);
  ok(
    new RegExp(
      `with ${x.answered.length} requests \\(\\d+ retries, ${x.refused} refused with 429\\)`,
    ).test(x.r.stderr),
    x.r.stderr,
  );
  ok(
    /the API refused list keys of project "proj_\d+" \(page 1\) \(429/.test(x.r.stderr),
    x.r.stderr,
  );
});

Deno.test("budget: 40 projects at 7 a minute finish with the default flags, past the old 300 s deadline, with the estimate on stderr", async () => {
  const x = await run(40, NO_HEADERS);
  assertEquals(x.r.code, 0, x.r.stdout + x.r.stderr);
  const said = ESTIMATE.exec(x.r.stderr);
  ok(said, x.r.stderr);
  assertEquals([said[1], said[2], said[3]], [
    "41",
    "about 5 minutes at",
    "learned from the API's refusals",
  ]);
  ok(x.elapsed > 300_000, `finished in ${x.elapsed} ms`);
  ok(x.elapsed <= bound(40, 7) * 1.25, `took ${x.elapsed} ms`);
  ok(x.refused <= 6, `${x.refused} refused`);
  ok(x.wallMs < WALL_MS, `the run took ${x.wallMs} ms of wall time`);
});

Deno.test("budget: --max-rpm 7 paces from the first request: no refusal, the estimate stated, within 1.25x of the bound", async () => {
  const x = await run(15, NO_HEADERS, ["--max-rpm", "7"]);
  assertEquals(x.r.code, 0, x.r.stdout + x.r.stderr);
  assertEquals(x.refused, 0);
  const said = ESTIMATE.exec(x.r.stderr);
  ok(said, x.r.stderr);
  assertEquals([said[1], said[2], said[3]], ["16", "about 2 minutes at", "--max-rpm"]);
  ok(x.r.stderr.startsWith(said[0]), x.r.stderr);
  ok(x.elapsed >= bound(15, 7) && x.elapsed <= bound(15, 7) * 1.25, `took ${x.elapsed} ms`);
  assertEquals(
    x.report.api_requests.endpoints.map((e: { budget_source: string }) => e.budget_source),
    [
      "max-rpm",
      "max-rpm",
    ],
  );
});

const TOO_SHORT =
  /Cannot read the Admin API within the deadline: this read needs 16 requests or more, about 2 minutes at 7 requests a minute per endpoint \((--max-rpm|learned from the API's refusals)\), past the deadline of (60|100) s \(--deadline\); raise --deadline or check in parts with --project/;

Deno.test("budget: an explicit --deadline shorter than the plan of a --max-rpm budget fails at once, before any request, with the reports written", async () => {
  const x = await run(15, NO_HEADERS, ["--max-rpm", "7", "--deadline", "60"]);
  assertEquals(x.r.code, 1, x.r.stdout + x.r.stderr);
  assertEquals(x.api.requests.length, 0);
  assertEquals(x.elapsed, 0);
  ok(TOO_SHORT.test(x.r.stderr), x.r.stderr);
  assertEquals(x.report.status, "error");
  ok(TOO_SHORT.test(x.report.errors[0].message), JSON.stringify(x.report.errors));
});

Deno.test("budget: an explicit --deadline shorter than a learned plan fails as soon as the budget is learned, not at the deadline", async () => {
  const x = await run(15, NO_HEADERS, ["--deadline", "100"]);
  assertEquals(x.r.code, 1, x.r.stdout + x.r.stderr);
  ok(x.elapsed < 1000, `failed after ${x.elapsed} ms`);
  ok(x.api.requests.length <= 16, `${x.api.requests.length} requests`);
  const message = x.report.errors.map((e: { message: string }) => e.message).join("\n");
  ok(TOO_SHORT.test(message), message);
  ok(/learned from the API's refusals\), past the deadline of 100 s/.test(message), message);
});

Deno.test("budget: with retry-after the 429s are obeyed: no request before the wait they asked for ends", async () => {
  const clockless = await run(15, "{ requests: 7, retry_after: true }");
  assertEquals(clockless.r.code, 0, clockless.r.stdout + clockless.r.stderr);
  ok(clockless.refused > 0);
  for (const refusal of clockless.answered.filter((a) => a.status === 429)) {
    const until = refusal.at + refusal.retryAfter! * 1000;
    const early = clockless.sent.filter((s) => s.at > refusal.at && s.at < until);
    assertEquals(early, [], `sent during the ${refusal.retryAfter} s asked for at ${refusal.at}`);
  }
  ok(clockless.elapsed <= bound(15, 7) * 1.25, `took ${clockless.elapsed} ms`);
});

Deno.test("budget: the progress line shows the wait for the budget", async () => {
  const x = await run(15, NO_HEADERS, [], true);
  assertEquals(x.r.code, 0, x.r.stdout + x.r.stderr);
  ok(
    // deno-lint-ignore no-control-regex
    /\r\x1b\[2Kkeydrift: read \d+\/15 projects, waiting \d+ s for the API's budget \(7 requests a minute\)/
      .test(x.r.stderr),
    JSON.stringify(x.r.stderr),
  );
  // The estimate is a line of its own above it, and the line is erased before the status line.
  // deno-lint-ignore no-control-regex
  ok(/\r\x1b\[2Kkeydrift: this read needs 16 requests or more/.test(x.r.stderr), x.r.stderr);
  ok(x.r.stderr.includes("\r\x1b[2Kkeydrift: checked 15 projects"), JSON.stringify(x.r.stderr));
});

Deno.test("budget: without a budget nothing waits: no refusal, no estimate, every request once", async () => {
  const x = await run(15, "{ requests: 0 }");
  assertEquals(x.r.code, 0, x.r.stdout + x.r.stderr);
  assertEquals(x.refused, 0);
  assertEquals(x.api.requests.length, 16);
  ok(!/this read needs/.test(x.r.stderr), x.r.stderr);
  // A fresh endpoint's first wave is half the concurrency (one round trip, once): 3 round trips.
  ok(x.elapsed <= 3 * 300 + 10, `took ${x.elapsed} ms`);
  ok(
    x.report.api_requests.endpoints.every((e: { budget_per_minute: null }) =>
      e.budget_per_minute === null
    ),
  );
});

Deno.test("budget: baseline plans its read too: a --deadline shorter than the plan fails at once, before any request", async () => {
  const clock = virtualClock();
  const api = createFakeApi(state(15, NO_HEADERS), { now: clock.now, sleep: clock.sleep });
  const args = ["baseline", "-m", "keydrift.yaml", "--api-url", "http://127.0.0.1/v1"];
  const r = await runCli([...args, "--max-rpm", "7", "--deadline", "60", "-o", "b.yaml"], {
    files: { "keydrift.yaml": manifest(15) },
    env: { OPENAI_ADMIN_KEY: ADMIN_KEY },
    fetch: (input, init) => api.handler(new Request(input, init)),
    clock,
  });
  assertEquals(r.code, 1, r.stdout + r.stderr);
  assertEquals(api.requests.length, 0);
  ok(TOO_SHORT.test(r.stderr), r.stderr);
  ok(!r.files.has("b.yaml"));
});

Deno.test("budget: pages found past the first raise the plan: an explicit --deadline they pass fails then, not at the deadline", async () => {
  const clock = virtualClock();
  // 3 projects of 250 keys: 3 pages each (100 a page), where the plan counts 1 each.
  const projects = Array.from(
    { length: 3 },
    (_, p) =>
      `  - { id: proj_${p}, service_accounts: [{ id: sa_${p}, name: bot }],
      generate: { count: 250, name: "key-{n}", owner: sa_${p}, last_used_at: -1d } }`,
  ).join("\n");
  const fake = stateFrom(
    `options: { latency_ms: 300, budget: ${NO_HEADERS} }\nprojects:\n${projects}\n`,
  );
  const api = createFakeApi(fake, { now: clock.now, sleep: clock.sleep });
  let refused = 0;
  const r = await runCli([...CHECK_API, "--max-rpm", "7", "--deadline", "30", "-v"], {
    files: { "keydrift.yaml": manifest(3) },
    env: { OPENAI_ADMIN_KEY: ADMIN_KEY },
    fetch: async (input, init) => {
      const res = await api.handler(new Request(input, init));
      if (res.status === 429) refused++;
      return res;
    },
    clock,
  });
  assertEquals(r.code, 1, r.stdout + r.stderr);
  // The first plan fits the budget at once (the projects listing and 3 first pages).
  ok(
    r.stderr.includes("keydrift: this read needs 4 requests or more, within the budget"),
    r.stderr,
  );
  // More pages than the budget's 7 a minute: the rest need the next minute, past 30 s.
  const failed =
    /Cannot read the Admin API within the deadline: this read needs (\d+) requests or more, about \d+ s at 7 requests a minute per endpoint \(--max-rpm\), past the deadline of 30 s/
      .exec(r.stderr);
  ok(failed && Number(failed[1]) > 7, r.stderr);
  ok(clock.now() - NOW < 2000, `failed after ${clock.now() - NOW} ms`);
  assertEquals(refused, 0);
});
