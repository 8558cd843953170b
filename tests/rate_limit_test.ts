/**
 * Rate limits at scale, in virtual time (deterministic, no wall-clock timing): against a fake
 * that allows R requests per second, a run finishes close to the time R allows, every 429 is
 * retried (no read fails for good), and the answer equals the unlimited run's.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { createFakeApi } from "../lib/fake/mod.ts";
import { ADMIN_KEY, CHECK_API, NOW, runCli, stateFrom, virtualClock } from "./_helpers.ts";

const PROJECTS = 150;

function state(rps: number) {
  const projects = Array.from(
    { length: PROJECTS },
    (_, p) =>
      `  - { id: proj_${p}, service_accounts: [{ id: sa_${p}, name: bot }],
      generate: { count: 3, name: "k-{n}", owner: sa_${p}, last_used_at: -1d } }`,
  ).join("\n");
  return stateFrom(`options: { rate_limit_rps: ${rps} }\nprojects:\n${projects}\n`);
}

const manifest = "version: 1\nprojects:\n" +
  Array.from({ length: PROJECTS }, (_, p) =>
    `  - id: proj_${p}\n    keys:\n` +
    [1, 2, 3].map((n) => `      - { name: k-${n}, owner: { type: service_account, name: bot } }`)
      .join("\n")).join("\n") +
  "\n";

async function run(rps: number) {
  const clock = virtualClock();
  const api = createFakeApi(state(rps), { now: clock.now, sleep: clock.sleep });
  const r = await runCli(
    [
      ...CHECK_API,
      "--format",
      "json=r.json",
      "-v",
    ],
    {
      files: { "keydrift.yaml": manifest },
      env: { OPENAI_ADMIN_KEY: ADMIN_KEY },
      fetch: (input, init) => api.handler(new Request(input, init)),
      clock,
    },
  );
  const limited = api.requests.length;
  return {
    r,
    elapsed: clock.now() - NOW,
    requests: limited,
    report: JSON.parse(r.files.get("r.json")!),
  };
}

Deno.test("rate limit: a run against a fake allowing 20 req/s finishes near the time 20 req/s allows", async () => {
  const free = await run(0);
  assertEquals(free.r.code, 0, free.r.stdout + free.r.stderr);
  const minimum = Math.ceil(PROJECTS / 100) + PROJECTS; // project pages, one key page each
  assertEquals(free.requests, minimum);

  const rps = 20;
  const limited = await run(rps);
  assertEquals(limited.r.code, 0, limited.r.stdout + limited.r.stderr);
  assertEquals(limited.report.errors, []);
  assertEquals(limited.report.summary, free.report.summary);
  // The bucket starts full (one second of requests); the rest arrive at the rate.
  const bound = ((minimum - rps) / rps) * 1000;
  ok(limited.elapsed >= bound, `finished in ${limited.elapsed} ms, faster than the limit allows`);
  ok(limited.elapsed <= bound * 1.1, `took ${limited.elapsed} ms; the limit allows ${bound} ms`);
  ok(/retrying .* 429/.test(limited.r.stderr), "no 429 was retried");
  // Everyone backs off together and then paces: the first burst of 429s (one per worker) and a
  // few more, not a storm. (Measured: 6,687 ms for a 6,600 ms bound, 167 requests for 152.)
  ok(limited.requests <= minimum * 1.15, `${limited.requests} requests for ${minimum} reads`);
});
