import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { createAdminClient } from "../lib/api/client.ts";
import { createFakeApi } from "../lib/fake/mod.ts";
import { readLive } from "../lib/api/live_state.ts";
import { loadManifests } from "../lib/manifest/load.ts";
import { readFull } from "../lib/yaml/full.ts";
import { POLICIES } from "../policies/mod.ts";
import type { LiveProject, RunError } from "../lib/core/types.ts";
import { seeded, stateFrom, virtualClock } from "./_helpers.ts";

const PROJECTS = 30;

async function read(concurrency: number) {
  const projects = Array.from(
    { length: PROJECTS },
    (_, p) =>
      `  - { id: proj_${p}, service_accounts: [{ id: sa_${p}, name: bot }], generate: { count: ${
        p === 0 ? 150 : 3
      }, owner: sa_${p} } }`,
  ).join("\n");
  const state = stateFrom(
    `options: { latency_ms: 20 }\nprojects:\n${projects}\n  - { id: proj_x }\n`,
  );
  const manifest = loadManifests(
    [{
      path: "k.yaml",
      text: "version: 1\nprojects:\n" +
        Array.from({ length: PROJECTS }, (_, p) => `  - { id: proj_${p}, keys: [] }`).join("\n") +
        "\n  - { id: proj_gone, keys: [] }\n",
    }],
    POLICIES,
    readFull,
  ).manifest!;
  const clock = virtualClock();
  const api = createFakeApi(state, clock);
  let inFlight = 0;
  let most = 0;
  const client = createAdminClient({
    baseURL: "http://127.0.0.1/v1",
    adminKey: "sk-admin-test",
    fetch: async (input, init) => {
      most = Math.max(most, ++inFlight);
      try {
        return await api.handler(new Request(input, init));
      } finally {
        inFlight--;
      }
    },
    timeoutMs: 30_000,
    concurrency,
    deadlineMs: 300_000,
    clock,
    random: seeded(1),
    scrub: (s) => s,
  });
  const handed: LiveProject[] = [];
  const errors: RunError[] = [];
  for await (const r of readLive(client, manifest.projects)) {
    if (r.kind === "project") handed.push(r.project);
    else if (r.kind === "error") errors.push(r.error);
  }
  return { errors, handed, most, requests: api.requests, elapsed: clock.now() };
}

Deno.test("readLive: reads in parallel up to --concurrency, hands each project over once", async () => {
  const r = await read(4);
  assertEquals(r.errors, []);
  assertEquals(r.handed.length, PROJECTS + 1);
  assertEquals(new Set(r.handed.map((p) => p.id)).size, PROJECTS + 1);
  assertEquals(r.handed.find((p) => p.id === "proj_gone")?.found, false);
  assertEquals(r.handed.find((p) => p.id === "proj_0")?.keys.length, 150);
  assertEquals(r.most, 4, `at most ${r.most} requests were in flight`);
  // One project page, two key pages for proj_0, one for each other project, and one 404 for the
  // project that does not exist (its listing started before the project page said so).
  assertEquals(r.requests.length, 1 + 2 + (PROJECTS - 1) + 1);
  ok(r.requests.every((q) => q.method === "GET"));
});
