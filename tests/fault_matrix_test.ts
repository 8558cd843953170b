/**
 * The fault matrix, end to end through `keydrift check` (real client, official SDK, the fake as
 * the server): every read (project listing pages, project retrieve, key listing pages, key
 * retrieve) under every fault. Transient faults must end in exactly the fault-free answer;
 * persistent ones in exit 1 with `errors[]` naming every project whose state is unknown. Never
 * exit 0 or 2 on partial data, and never the admin key in any output.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import type { Fault } from "../lib/fake/state.ts";
import {
  ADMIN_KEY,
  CHECK_API,
  fakeFetch,
  fixture,
  type MemResult,
  readExample,
  runCli,
  stateFrom,
} from "./_helpers.ts";

// The 150 filler projects are the organisation's other projects, left out (issue 21) so that the
// declared ones are read from page 2 of a listing that stops once it has them.
const MANIFEST = readExample("keydrift.yaml") + "\nunmanaged_projects: ignore\n";
const DECLARED = ["proj_payments", "proj_search", "proj_legacy", "proj_analytics"];
/** 150 undeclared projects listed first, so the declared ones are on page 2 of the listing. */
const FILLER = Array.from({ length: 150 }, (_, i) => `  - { id: proj_filler_${i} }`).join("\n");
/** proj_search gets 105 generated keys (ignored as unmanaged), so its listing has 2 pages. */
const IN_SYNC = fixture("in_sync/state.yaml")
  .replace("projects:\n", `projects:\n${FILLER}\n`)
  .replace('generate: { count: 5, name: "batch-{n}"', 'generate: { count: 105, name: "batch-{n}"');
/** A pinned key the listing lacks: keydrift retrieves it (404 here, so it is missing: exit 2). */
const PINNED = `version: 1
projects:
  - id: proj_legacy
    keys:
      - name: legacy-cron
        owner: { type: service_account, name: legacy-cron }
      - name: gone
        id: key_gone
        owner: { type: service_account, name: legacy-cron }
`;

/** Where a fault fires, and the projects a failure there leaves unknown. */
interface Site {
  on: Fault["on"];
  page?: number;
  project?: string;
  hides: string[];
}

interface Scenario {
  name: string;
  manifest: string;
  args: string[];
  /** Every read this scenario makes. */
  sites: Site[];
}

const SEARCH = ["proj_search"];

const SCENARIOS: Scenario[] = [
  {
    name: "4 projects (listed)",
    manifest: MANIFEST,
    args: [],
    sites: [
      { on: "projects", hides: DECLARED },
      { on: "projects", page: 2, hides: DECLARED },
      { on: "list", project: "proj_search", hides: SEARCH },
      { on: "list", project: "proj_search", page: 2, hides: SEARCH },
    ],
  },
  {
    name: "1 project (retrieved)",
    manifest: MANIFEST,
    args: ["--project", "proj_search"],
    sites: [
      { on: "project", hides: SEARCH },
      { on: "list", hides: SEARCH },
      { on: "list", page: 2, hides: SEARCH },
    ],
  },
  {
    name: "a pinned key the listing lacks",
    manifest: PINNED,
    args: [],
    sites: [{ on: "key", hides: ["proj_legacy"] }],
  },
];

async function check(sc: Scenario, faults: Fault[], verbose = true): Promise<MemResult> {
  const state = stateFrom(IN_SYNC);
  state.faults = faults;
  const { fetch } = fakeFetch(state);
  const r = await runCli(
    [
      ...CHECK_API,
      "--timeout",
      "0.05",
      "--format",
      "text",
      "--format",
      "json=report.json",
      "--format",
      "sarif=report.sarif",
      ...(verbose ? ["--verbose"] : []),
      ...sc.args,
    ],
    { files: { "keydrift.yaml": sc.manifest }, env: { OPENAI_ADMIN_KEY: ADMIN_KEY }, fetch },
  );
  for (const [where, text] of [["stdout", r.stdout], ["stderr", r.stderr], ...r.files]) {
    ok(!text.includes(ADMIN_KEY), `the admin key leaked into ${where}`);
    ok(!text.includes("TESTSECRET"), `part of the admin key leaked into ${where}`);
  }
  return r;
}

// deno-lint-ignore no-explicit-any
const report = (r: MemResult): any => JSON.parse(r.files.get("report.json")!);
/** The answer, without anything that legitimately differs between runs. */
const answer = (r: MemResult) => {
  const { summary, drift, findings, errors, status, exit_code } = report(r);
  return { summary, drift, findings, errors, status, exit_code };
};

const TRANSIENT: [string, Omit<Fault, "on">][] = [
  ["408", { kind: "status", status: 408, times: 1 }],
  ["409", { kind: "status", status: 409, times: 1 }],
  ["429 with retry-after", { kind: "status", status: 429, retry_after: "2", times: 1 }],
  ["429 with retry-after-ms", { kind: "status", status: 429, retry_after_ms: "150", times: 2 }],
  ["429 without retry-after", { kind: "status", status: 429, times: 1 }],
  ["500 once", { kind: "status", status: 500, times: 1 }],
  ["502 twice", { kind: "status", status: 502, times: 2 }],
  ["503 once", { kind: "status", status: 503, times: 1 }],
  ["504 once", { kind: "status", status: 504, times: 1 }],
  ["a connection reset", { kind: "reset", times: 1 }],
  ["no answer within --timeout (a hang)", { kind: "hang", times: 1 }],
  ["truncated JSON", { kind: "truncated", times: 1 }],
  ["an HTML error page", { kind: "html", times: 1 }],
  ["malformed JSON", { kind: "malformed", times: 1 }],
];

const PERSISTENT: [string, Omit<Fault, "on">, Fault["on"][]][] = [
  ["500 persistently", { kind: "status", status: 500 }, ["projects", "project", "list", "key"]],
  ["502 persistently", { kind: "status", status: 502 }, ["projects", "project", "list", "key"]],
  ["503 persistently", { kind: "status", status: 503 }, ["projects", "project", "list", "key"]],
  ["504 persistently", { kind: "status", status: 504 }, ["projects", "project", "list", "key"]],
  ["429 asking for an hour", { kind: "status", status: 429, retry_after: "3600" }, [
    "projects",
    "project",
    "list",
    "key",
  ]],
  ["429 persistently", { kind: "status", status: 429 }, ["projects", "project", "list", "key"]],
  ["401", { kind: "status", status: 401 }, ["projects", "project", "list", "key"]],
  ["403", { kind: "status", status: 403 }, ["projects", "project", "list", "key"]],
  ["resets persistently", { kind: "reset" }, ["projects", "project", "list", "key"]],
  ["hangs persistently", { kind: "hang" }, ["projects", "project", "list", "key"]],
  ["truncated JSON persistently", { kind: "truncated" }, ["projects", "project", "list", "key"]],
  ["HTML persistently", { kind: "html" }, ["projects", "project", "list", "key"]],
  // A 404 without the API's error body is a proxy or a wrong URL, never "no such project/key".
  ["a proxy's HTML 404 page", { kind: "html", status: 404 }, [
    "projects",
    "project",
    "list",
    "key",
  ]],
  ["JSON of the wrong shape", { kind: "wrong_shape" }, ["projects", "project", "list"]],
  ["a page without has_more", { kind: "no_has_more" }, ["projects", "list"]],
  ["has_more without last_id", { kind: "no_last_id" }, ["projects", "list"]],
  ["a looping cursor", { kind: "loop_cursor" }, ["projects", "list"]],
  ["an empty page with has_more", { kind: "empty_page_has_more" }, ["projects", "list"]],
  ["a duplicate item", { kind: "duplicate" }, ["projects", "list"]],
  ["a key without an owner", { kind: "ownerless" }, ["list"]],
];

for (const sc of SCENARIOS) {
  Deno.test(`fault matrix, ${sc.name}: transient faults end in the fault-free answer`, async () => {
    const baseline = await check(sc, []);
    ok(baseline.code === 0 || baseline.code === 2, baseline.stdout + baseline.stderr);
    assertEquals(report(baseline).errors, []);
    for (const { hides: _, ...site } of sc.sites) {
      for (const [name, fault] of TRANSIENT) {
        const r = await check(sc, [{ ...fault, ...site }]);
        const what = `${name} on ${JSON.stringify(site)}`;
        assertEquals(r.code, baseline.code, `${what}: ${r.stdout}${r.stderr}`);
        assertEquals(answer(r), answer(baseline), what);
        ok(/retry|retrying/i.test(r.stderr), `${what}: --verbose says nothing about the retry`);
      }
    }
  });

  Deno.test(`fault matrix, ${sc.name}: persistent faults exit 1 naming every unknown project`, async () => {
    for (const [name, fault, targets] of PERSISTENT) {
      for (const { hides, ...site } of sc.sites) {
        if (!targets.includes(site.on)) continue;
        const r = await check(sc, [{ ...fault, ...site }]);
        const what = `${name} on ${JSON.stringify(site)}`;
        assertEquals(r.code, 1, `${what}: ${r.stdout}${r.stderr}`);
        const rep = report(r);
        assertEquals(rep.status, "error", what);
        const named = new Set(rep.errors.map((e: { project_id: string | null }) => e.project_id));
        for (const p of hides) ok(named.has(p), `${what}: errors[] does not name ${p}`);
        ok(!/in sync/i.test(r.stdout), `${what}: the text report claims "in sync"`);
      }
    }
  });
}

Deno.test("fault matrix: 401 mid-run (after reads succeeded) stops the run with exit 1", async () => {
  const sc = SCENARIOS[0];
  // Page 1 of the project listing succeeds, page 2 answers 401.
  const r = await check(sc, [{ on: "projects", kind: "status", status: 401, page: 2 }], false);
  assertEquals(r.code, 1);
  ok(/401/.test(r.stdout + r.stderr));
  const named = new Set(report(r).errors.map((e: { project_id: string | null }) => e.project_id));
  for (const p of DECLARED) ok(named.has(p), `errors[] does not name ${p}`);
});

Deno.test("fault matrix: a key listing failing for one project leaves the others answered", async () => {
  const sc = SCENARIOS[0];
  const r = await check(sc, [{ on: "list", kind: "status", status: 500, project: "proj_legacy" }]);
  assertEquals(r.code, 1);
  const rep = report(r);
  assertEquals(
    rep.errors.map((e: { project_id: string | null }) => e.project_id),
    ["proj_legacy"],
  );
  // What is known is still reported, and nothing about proj_legacy is claimed.
  ok(rep.drift.every((d: { project_id: string }) => d.project_id !== "proj_legacy"));
});

Deno.test("fault matrix: --deadline ends a run whose reads never answer, with exit 1", async () => {
  const state = stateFrom(IN_SYNC);
  state.faults = [{ on: "list", kind: "hang" }];
  const { fetch } = fakeFetch(state);
  const r = await runCli(
    [...CHECK_API, "--deadline", "0.3"],
    { files: { "keydrift.yaml": MANIFEST }, env: { OPENAI_ADMIN_KEY: ADMIN_KEY }, fetch },
  );
  assertEquals(r.code, 1, r.stdout + r.stderr);
  ok(/the run's deadline of 0\.3 s passed \(--deadline\)/.test(r.stdout + r.stderr), r.stdout);
});

Deno.test("fault matrix: a retry-after past the deadline fails the read instead of waiting", async () => {
  const once: Fault = { on: "list", kind: "status", status: 429, retry_after: "50", times: 1 };
  const run = (deadline: string) =>
    runCli(
      [
        ...CHECK_API,
        "--deadline",
        deadline,
        "--format",
        "json=r.json",
      ],
      {
        files: { "keydrift.yaml": MANIFEST },
        env: { OPENAI_ADMIN_KEY: ADMIN_KEY },
        fetch: fakeFetch(Object.assign(stateFrom(IN_SYNC), { faults: [once] })).fetch,
      },
    );
  // 50 s is under the 60 s cap: with the default deadline the run waits it out and is in sync...
  assertEquals((await run("300")).code, 0);
  // ...with 20 s it cannot: the read fails at once, naming the deadline.
  const short = await run("20");
  assertEquals(short.code, 1);
  ok(/no time left to retry before the deadline/.test(short.files.get("r.json")!), short.stdout);
});
