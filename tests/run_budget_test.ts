/**
 * Every run has a budget of items and bytes it may read from the API (docs/api.md "Run budget"): a server
 * that sends valid pages without end, or pages of a few huge items, makes the run stop with
 * exit 1, the status line and every report asked for, saying which budget was spent, instead of
 * reading until memory runs out. The page cap bounds one listing; the budget bounds the run.
 */
import { deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
import { createAdminClient } from "../lib/api/client.ts";
import { MAX_PAGES, RUN_BUDGET } from "../lib/api/paging.ts";
import { ADMIN_KEY, runCli, seeded, virtualClock } from "./_helpers.ts";

/** A valid key of project `p`, number `n`, its name padded with `pad` characters. */
function key(p: string, n: number, pad: number) {
  return {
    object: "organization.project.api_key",
    id: `key_${p}_${n}`,
    name: `k${n}${"x".repeat(pad)}`,
    redacted_value: "sk-proj-****abcd",
    created_at: 1_760_000_000,
    last_used_at: null,
    owner_project_access: "active",
    owner: {
      type: "service_account",
      service_account: { id: "sa_1", name: "bot", role: "member", created_at: 1 },
    },
  };
}

/**
 * The Admin API with `projects` projects whose key listings hold `pages` full pages of 100 (or
 * never end), each key's name `pad` characters long; every request is counted.
 */
function api(o: { projects: string[]; pages?: number; pad?: number }) {
  const seen = { requests: 0 };
  const fetch = (input: RequestInfo | URL, init?: RequestInit) => {
    seen.requests++;
    const url = new URL(new Request(input, init).url);
    const list = (data: { id: string }[], more: boolean) =>
      Response.json({
        object: "list",
        data,
        first_id: data[0]?.id ?? null,
        last_id: data.at(-1)?.id ?? null,
        has_more: more,
      });
    const project = (id: string) => ({
      object: "organization.project",
      id,
      name: id,
      created_at: 1,
      archived_at: null,
      status: "active",
    });
    const path = url.pathname.replace(/^\/v1\/organization\/projects/, "");
    if (path === "") return Promise.resolve(list(o.projects.map(project), false));
    const [, p, keys] = path.split("/");
    if (!keys) return Promise.resolve(Response.json(project(p)));
    const after = url.searchParams.get("after");
    const page = after === null ? 0 : (Number(after.split("_").at(-1)) + 1) / 100;
    const data = Array.from({ length: 100 }, (_, i) => key(p, page * 100 + i, o.pad ?? 0));
    return Promise.resolve(list(data, page + 1 < (o.pages ?? Infinity)));
  };
  return { fetch, seen };
}

function client(fetch: typeof globalThis.fetch, budget?: { items: number; bytes: number }) {
  return createAdminClient({
    baseURL: "http://127.0.0.1/v1",
    adminKey: ADMIN_KEY,
    fetch,
    clock: virtualClock(),
    random: seeded(1),
    timeoutMs: 30_000,
    concurrency: 4,
    deadlineMs: 600_000,
    scrub: (s) => s,
    maxRetries: 0,
    budget,
  });
}

Deno.test("an endless listing of valid pages stops at the run's item budget, and no read is sent after it", async () => {
  const { fetch, seen } = api({ projects: ["proj_a"] });
  const c = client(fetch, { items: 1000, bytes: RUN_BUDGET.bytes });
  await rejects(
    c.listKeys("proj_a"),
    /\(page 11\): this run has read 1,100 items from the API, past its budget of 1,000 items \(--max-read-items\)/,
  );
  assertEquals(seen.requests, 11);
  // Spent is spent: any later read of the run fails the same way, without a request.
  await rejects(c.retrieveProject("proj_a"), /past its budget of 1,000 items/);
  assertEquals(seen.requests, 11);
});

Deno.test("pages of a few huge items stop at the run's byte budget, which the page cap does not bound", async () => {
  // 100 keys of 20 KB a page: 2 MB pages, valid and under every per-answer limit.
  const { fetch, seen } = api({ projects: ["proj_a"], pad: 20_000 });
  const c = client(fetch, { items: RUN_BUDGET.items, bytes: 8 * 2 ** 20 });
  await rejects(
    c.listKeys("proj_a"),
    /\(page 5\): this run has read [\d,]+ bytes from the API, past its budget of 8 MiB \(--max-read-mib\)/,
  );
  assertEquals(seen.requests, 5);
  ok(5 < MAX_PAGES);
});

Deno.test("the budget counts the whole run: listings that each end well within the page cap are stopped by their sum", async () => {
  const projects = ["proj_a", "proj_b", "proj_c"];
  const budget = { items: 1000, bytes: RUN_BUDGET.bytes };
  const within = client(api({ projects, pages: 3 }).fetch, budget);
  for (const p of projects) assertEquals((await within.listKeys(p)).length, 300);
  const over = client(api({ projects, pages: 4 }).fetch, budget);
  assertEquals((await over.listKeys("proj_a")).length, 400);
  assertEquals((await over.listKeys("proj_b")).length, 400);
  await rejects(over.listKeys("proj_c"), /past its budget of 1,000 items/);
});

const MANIFEST =
  "version: 1\nprojects:\n  - { id: proj_a, keys: [] }\n  - { id: proj_b, keys: [] }\n" +
  "  - { id: proj_c, keys: [] }\n";
const REPORTS = [
  "json=r.json",
  "sarif=r.sarif",
  "junit=r.xml",
  "markdown=r.md",
  "codeclimate=r.cc",
];

for (
  const [flag, value, pad, spent] of [
    ["--max-read-items", "2000", 0, /past its budget of 2,000 items \(--max-read-items\)/],
    ["--max-read-mib", "4", 10_000, /past its budget of 4 MiB \(--max-read-mib\)/],
  ] as const
) {
  Deno.test(`past ${flag}, check stops with exit 1, the status line and every report saying which budget was spent`, async () => {
    const r = await runCli(
      [
        ...["check", "-m", "keydrift.yaml", "--api-url", "http://127.0.0.1/v1", flag, value],
        ...REPORTS.flatMap((f) => ["--format", f]),
      ],
      {
        files: { "keydrift.yaml": MANIFEST },
        env: { OPENAI_ADMIN_KEY: ADMIN_KEY },
        fetch: api({ projects: ["proj_a", "proj_b", "proj_c"], pad }).fetch,
      },
    );
    assertEquals(r.code, 1, r.stderr);
    const status = r.stderr.trimEnd().split("\n").at(-1)!;
    ok(/^keydrift: checked 3 projects .*incomplete; exit 1/.test(status), status);
    ok(spent.test(status), status);
    const json = JSON.parse(r.files.get("r.json")!);
    assertEquals(json.status, "error");
    assertEquals(json.drift, []);
    ok(spent.test(json.errors[0].message), json.errors[0].message);
    const sarif = JSON.parse(r.files.get("r.sarif")!).runs[0].invocations[0];
    assertEquals(sarif.executionSuccessful, false);
    // Markdown as a reader sees it (its punctuation is backslash-escaped).
    const md = r.files.get("r.md")!.replace(/\\([!-/:-@[-`{-~])/g, "$1");
    for (const text of [r.files.get("r.sarif")!, r.files.get("r.xml")!, md]) {
      ok(spent.test(text), text.slice(0, 3000));
    }
  });
}

Deno.test("--max-read-items and --max-read-mib take whole numbers of at least 1", async () => {
  for (const [flag, value] of [["--max-read-items", "0"], ["--max-read-mib", "1.5"]]) {
    const r = await runCli(["check", "-m", "keydrift.yaml", flag, value], {
      files: { "keydrift.yaml": MANIFEST },
    });
    assertEquals(r.code, 1);
    ok(r.stderr.includes(`${flag} must be a whole number of at least 1, not "${value}"`), r.stderr);
  }
});
