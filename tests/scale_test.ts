/**
 * Scale: 100,000 keys across 2,000 projects through `check --fake` (fake, client, paging, diff,
 * policies, json, sarif and text). It asserts that the summary is exact and that a second run gives
 * byte-identical output; it measures no time or memory (that is `deno task bench`, see docs/performance.md).
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { CHECK_FAKE, runCli } from "./_helpers.ts";

const PROJECTS = 2000;
const KEYS = 50;
const id = (p: number) => `proj_${String(p).padStart(4, "0")}`;

function state(): string {
  const out = ["projects:"];
  for (let p = 0; p < PROJECTS; p++) {
    out.push(
      `  - { id: ${
        id(p)
      }, service_accounts: [{ id: sa_${p}, name: bot }, { id: sb_${p}, name: other-bot }],`,
      `      generate: { count: ${KEYS}, name: "key-{n}", owner: sa_${p}, created_at: -10d, last_used_at: -1d } }`,
    );
  }
  return out.join("\n") + "\n";
}

/** Per project: keys 01-48 as they are, 49 with another owner, 50 left out, one key that is not there. */
function manifest(): string {
  const out = [
    "version: 1",
    "policies:",
    "  multiple-keys-per-owner: { severity: warning, max: 49 }",
    "projects:",
  ];
  const bot = "{ type: service_account, name: bot }";
  for (let p = 0; p < PROJECTS; p++) {
    out.push(`  - id: ${id(p)}`, "    keys:");
    for (let k = 1; k <= 48; k++) {
      out.push(`      - { name: key-${String(k).padStart(2, "0")}, owner: ${bot} }`);
    }
    out.push("      - { name: key-49, owner: { type: service_account, name: other-bot } }");
    out.push(`      - { name: new-key, owner: ${bot} }`);
  }
  return out.join("\n") + "\n";
}

Deno.test("scale: 100,000 keys in 2,000 projects give an exact summary, and a second run the same bytes", async () => {
  const files = { "keydrift.yaml": manifest(), "state.yaml": state() };
  const argv = [
    ...CHECK_FAKE,
    "--format",
    "json=r.json",
    "--format",
    "sarif=r.sarif",
    "--format",
    "text",
  ];
  const first = await runCli(argv, { files });
  assertEquals(first.code, 2, first.stderr);
  const report = JSON.parse(first.files.get("r.json")!);
  const n = PROJECTS;
  assertEquals(report.errors, []);
  const s = report.summary;
  assertEquals(
    {
      projects: s.projects,
      declared: s.declared_keys,
      live: s.live_keys,
      inSync: s.in_sync_keys,
      changed: s.changed,
      missing: s.missing,
      unexpected: s.unexpected,
      ambiguous: s.ambiguous,
      warnings: s.policy_warnings,
    },
    {
      projects: n,
      declared: n * KEYS,
      live: n * KEYS,
      inSync: n * 48,
      changed: n,
      missing: n,
      unexpected: n,
      ambiguous: 0,
      warnings: n,
    },
  );
  assertEquals(report.drift.length, 3 * n);
  // The policy flags the surplus key in every project (equal ages: the highest id goes).
  ok(report.findings.every((f: { key_id: string }) => f.key_id.endsWith("_50")));
  const again = await runCli(argv, { files });
  assertEquals(again.stdout, first.stdout);
  assertEquals(again.files.get("r.json"), first.files.get("r.json"));
  assertEquals(again.files.get("r.sarif"), first.files.get("r.sarif"));
});
