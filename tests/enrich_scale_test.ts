import { ok } from "node:assert/strict";
import { ADMIN_KEY, CHECK_API, fakeFetch, runCli, stateFrom } from "./_helpers.ts";
import { id } from "../bench/manifest.ts";
import { USAGE_FAMILIES } from "../lib/core/types.ts";

/**
 * Issue 13's request budget, measured again for issue 22 (every usage family and the costs): at
 * 200 projects x 50 keys with 10% of the keys unexpected, `--attribute --usage 7` adds at most 25%
 * to the requests of a plain check when the keys use completions and embeddings (the families
 * other than those read zero organisation-wide and cost one request each); docs/enrichment.md has
 * the figures, and those of the worst case, where every family has use.
 */
const PROJECTS = 200;
const KEYS = 50;

/** The state: each key with the given usage records (state-file YAML). */
function state(usage: string): string {
  const lines = ["users: []", "projects:"];
  for (let p = 0; p < PROJECTS; p++) {
    lines.push(
      `  - { id: ${id(p)}, name: project-${p}, service_accounts: [{ id: sa_${p}, name: bot }],`,
      `      generate: { count: ${KEYS}, name: "key-{n}", owner: sa_${p}, last_used_at: -1d,`,
      `        usage: [${usage}] } }`,
    );
  }
  return lines.join("\n") + "\n";
}

function manifest(): string {
  const lines = ["version: 1", "projects:"];
  for (let p = 0; p < PROJECTS; p++) {
    lines.push(`  - id: ${id(p)}`, "    keys:");
    // 45 of 50 declared: 5 unexpected keys a project, 1,000 in all.
    for (let k = 1; k <= KEYS * 0.9; k++) {
      const n = String(k).padStart(2, "0");
      lines.push(
        `      - { name: key-${n}, id: key_${
          id(p).slice(5)
        }_${n}, owner: { type: service_account, name: bot } }`,
      );
    }
  }
  return lines.join("\n") + "\n";
}

async function requests(st: string, flags: string[]) {
  const { api, fetch } = fakeFetch(stateFrom(st));
  const r = await runCli([...CHECK_API, ...flags, "--format", "json", "-q"], {
    files: { "keydrift.yaml": manifest() },
    fetch,
    env: { OPENAI_ADMIN_KEY: ADMIN_KEY },
  });
  const report = JSON.parse(r.stdout);
  ok(r.code === 2 && report.summary.unexpected === 1000, `${r.code} ${report.summary.unexpected}`);
  return { requests: api.requests.length, report };
}

async function measure(usage: string) {
  const st = state(usage);
  const plain = await requests(st, []);
  const enriched = await requests(st, ["--attribute", "--usage", "7"]);
  ok(enriched.report.enrichment.usage.error === null);
  ok(enriched.report.enrichment.usage.incomplete.length === 0);
  ok(enriched.report.enrichment.attribution.error === null);
  const added = enriched.requests - plain.requests;
  // deno-lint-ignore no-console
  console.log(
    `plain ${plain.requests} requests, enriched ${enriched.requests} (+${added}, +${
      (100 * added / plain.requests).toFixed(1)
    }%)`,
  );
  return { plain: plain.requests, enriched: enriched.requests, added };
}

Deno.test("--attribute --usage 7 at 200 projects x 50 keys, 10% unexpected, keys using completions and embeddings: at most 25% more requests than a plain check", async () => {
  const m = await measure(
    "{ day: -1d, requests: 5, cost: 0.01 }, { day: -1d, endpoint: embeddings, requests: 9 }",
  );
  ok(m.added > 0 && m.enriched <= m.plain * 1.25, `${m.plain} -> ${m.enriched}`);
});

Deno.test("--attribute --usage 7 at 200 projects x 50 keys, 10% unexpected, keys using every usage family: at most 35% more requests than a plain check (one grouped read per family with use)", async () => {
  const m = await measure(
    USAGE_FAMILIES.map((f) => `{ day: -1d, endpoint: ${f}, requests: 1 }`).join(", "),
  );
  ok(m.enriched <= m.plain * 1.35, `${m.plain} -> ${m.enriched}`);
});
