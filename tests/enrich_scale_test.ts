import { ok } from "node:assert/strict";
import { ADMIN_KEY, CHECK_API, fakeFetch, runCli, stateFrom } from "./_helpers.ts";
import { id } from "../bench/manifest.ts";

/**
 * Issue 13's request budget: at 200 projects x 50 keys with 10% of the keys unexpected,
 * `--attribute --usage 7` adds at most 25% to the requests of a plain check.
 */
Deno.test("--attribute --usage 7 at 200 projects x 50 keys, 10% unexpected: at most 25% more requests than a plain check", async () => {
  const projects = 200;
  const keys = 50;
  const state = ["users: []", "projects:"];
  const manifest = ["version: 1", "projects:"];
  for (let p = 0; p < projects; p++) {
    state.push(
      `  - { id: ${id(p)}, name: project-${p}, service_accounts: [{ id: sa_${p}, name: bot }],`,
      `      generate: { count: ${keys}, name: "key-{n}", owner: sa_${p}, last_used_at: -1d } }`,
    );
    manifest.push(`  - id: ${id(p)}`, "    keys:");
    // 45 of 50 declared: 5 unexpected keys a project, 1,000 in all.
    for (let k = 1; k <= keys * 0.9; k++) {
      const n = String(k).padStart(2, "0");
      manifest.push(
        `      - { name: key-${n}, id: key_${
          id(p).slice(5)
        }_${n}, owner: { type: service_account, name: bot } }`,
      );
    }
  }
  const run = async (flags: string[]) => {
    const { api, fetch } = fakeFetch(stateFrom(state.join("\n") + "\n"));
    const r = await runCli([...CHECK_API, ...flags, "--format", "json", "-q"], {
      files: { "keydrift.yaml": manifest.join("\n") + "\n" },
      fetch,
      env: { OPENAI_ADMIN_KEY: ADMIN_KEY },
    });
    const report = JSON.parse(r.stdout);
    ok(
      r.code === 2 && report.summary.unexpected === 1000,
      `${r.code} ${report.summary.unexpected}`,
    );
    return { requests: api.requests.length, report };
  };
  const plain = await run([]);
  const enriched = await run(["--attribute", "--usage", "7"]);
  ok(enriched.report.enrichment.usage.error === null);
  ok(enriched.report.enrichment.attribution.error === null);
  const added = enriched.requests - plain.requests;
  // deno-lint-ignore no-console
  console.log(
    `plain ${plain.requests} requests, enriched ${enriched.requests} (+${added}, +${
      (100 * added / plain.requests).toFixed(1)
    }%)`,
  );
  ok(
    added > 0 && enriched.requests <= plain.requests * 1.25,
    `${plain.requests} -> ${enriched.requests}`,
  );
});
