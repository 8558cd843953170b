// deno-lint-ignore-file no-console
/**
 * The `--snapshot` scenario of `deno task bench` (issue 21): 2,000 projects of 5 keys, a first
 * `check --snapshot` (every project read), then 3 projects changed (a key created, one deleted,
 * one renamed, each with the audit event the real API records) and a second run. The fake runs
 * in this process (its state is changed between the runs) and keydrift in its own; requests are
 * counted by what they read. The physical limit of the second run is the audit-log pages (one
 * per stream) plus one key listing per changed project, plus the retrieve of the deleted key that
 * the manifest pins (a full read makes it too: a pinned key missing from its listing is looked up).
 */
import { createFakeApi } from "../lib/fake/mod.ts";
import { loadState } from "../lib/fake/state.ts";
import { createKey, deleteKey, renameKey } from "../lib/fake/changes.ts";
import { readFull } from "../lib/yaml/full.ts";
import { id, manifest } from "./manifest.ts";

/** 2,000, or the second argument when run alone (`deno run ... bench/snapshot.ts LATENCY PROJECTS`). */
const PROJECTS = import.meta.main && Deno.args[1] ? Number(Deno.args[1]) : 2000;
const KEYS = 5;
const MAIN = new URL("../main.ts", import.meta.url).pathname;
const KEY = "sk-admin-bench";

function stateYaml(latency: number): string {
  const lines = [
    `options: { latency_ms: ${latency} }`,
    "users: [{ id: user-ana, name: Ana, email: ana@example.test, created_at: -700d }]",
    "projects:",
  ];
  for (let p = 0; p < PROJECTS; p++) {
    lines.push(
      `  - { id: ${id(p)}, name: project-${p}, service_accounts: [{ id: sa_${p}, name: bot }],`,
      "      members: [{ user: user-ana, role: owner }],",
      `      generate: { count: ${KEYS}, name: "key-{n}", owner: sa_${p}, last_used_at: -1d } }`,
    );
  }
  lines.push(
    "audit_log:",
    "  events:",
    "    - { type: login.succeeded, at: -1h, actor: { user: user-ana }, details: { id: user-ana } }",
  );
  return lines.join("\n") + "\n";
}

/** What a run's requests read: audit-log pages, key listings, and everything else. */
function counted(requests: readonly { path: string }[]) {
  const audit = requests.filter((r) => r.path.endsWith("/audit_logs")).length;
  const keys = requests.filter((r) => /\/api_keys$/.test(r.path)).length;
  return { audit, keys, other: requests.length - audit - keys, total: requests.length };
}

async function check(url: string, dir: string): Promise<{ code: number; ms: number }> {
  const start = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-prompt",
      "--allow-net=127.0.0.1",
      "--allow-env=OPENAI_ADMIN_KEY",
      `--allow-read=${dir}`,
      `--allow-write=${dir}`,
      MAIN,
      "check",
      "-m",
      "-",
      "--api-url",
      url,
      "--snapshot",
      `${dir}/snapshot.json`,
      "-q",
    ],
    env: { OPENAI_ADMIN_KEY: KEY },
    stdin: "piped",
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  const w = child.stdin.getWriter();
  await w.write(new TextEncoder().encode(manifest(PROJECTS, KEYS)));
  await w.close();
  const { code } = await child.status;
  return { code, ms: performance.now() - start };
}

/** Prints the scenario's table. */
export async function snapshotTable(latency: number): Promise<void> {
  const { state, problems } = loadState(
    "bench",
    stateYaml(latency),
    Math.floor(Date.now() / 1000),
    readFull,
  );
  if (!state) throw new Error(problems.map((p) => p.message).join("\n"));
  const api = createFakeApi(state);
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, api.handler);
  const url = `http://127.0.0.1:${server.addr.port}/v1`;
  const made = await new Deno.Command("mktemp", { args: ["-d"] }).output();
  const dir = new TextDecoder().decode(made.stdout).trim();
  try {
    const first = await check(url, dir);
    const firstCount = counted(api.requests.splice(0));
    const at = Math.floor(Date.now() / 1000);
    const actor = { user: "user-ana" };
    createKey(state, id(1), { id: "key_new", name: "new", owner: "sa_1" }, { at, actor });
    const [mid, last] = [id(PROJECTS >> 1), id(PROJECTS - 1)];
    deleteKey(state, mid, `key_${mid.slice(5)}_1`, { at, actor });
    renameKey(state, last, `key_${last.slice(5)}_2`, "renamed", { at, actor });
    const second = await check(url, dir);
    const secondCount = counted(api.requests.splice(0));
    // One audit-log page per stream, one key listing per changed project, and the retrieve of the
    // deleted key (pinned in the manifest, missing from its listing), which a full read makes too.
    const limit = 2 + 3 + 1;
    console.log(
      `\n\`check --snapshot\`, ${
        PROJECTS.toLocaleString("en")
      } projects x ${KEYS} keys, 3 changed (latency ${latency} ms):\n`,
    );
    console.log(
      "| run | exit | wall | requests | audit-log pages | key listings | other | limit |",
    );
    console.log("|---|---:|---:|---:|---:|---:|---:|---:|");
    for (
      const [name, r, c, min] of [
        ["first (no snapshot: every project)", first, firstCount, "-"],
        ["second (3 projects changed)", second, secondCount, String(limit)],
      ] as const
    ) {
      console.log(
        `| ${name} | ${r.code} | ${
          r.ms.toFixed(0)
        } ms | ${c.total} | ${c.audit} | ${c.keys} | ${c.other} | ${min} |`,
      );
    }
  } finally {
    await server.shutdown();
    await new Deno.Command("rm", { args: ["-r", dir] }).output();
  }
}

if (import.meta.main) await snapshotTable(Number(Deno.args[0] ?? 20));
