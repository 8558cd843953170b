/**
 * A large, badly drifted organisation for the format tests: 30,000 live keys in 300 projects.
 * Per project the manifest declares 20 of the 100 live keys and 40 keys that do not exist, so
 * each project has 40 missing keys (errors), 80 unexpected keys (warnings) and one
 * `key-max-age` warning per live key: 66,000 drift items and findings in all.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { CHECK_FAKE, runCli } from "./_helpers.ts";

export const PROJECTS = 300;
export const KEYS = 100;
const id = (p: number) => `proj_${String(p).padStart(3, "0")}`;

export function state(): string {
  const out = ["projects:"];
  for (let p = 0; p < PROJECTS; p++) {
    out.push(
      `  - { id: ${id(p)}, service_accounts: [{ id: sa_${p}, name: bot }],`,
      `      generate: { count: ${KEYS}, name: "key-{n}", owner: sa_${p}, created_at: -400d, last_used_at: -1d } }`,
    );
  }
  return out.join("\n") + "\n";
}

export function manifest(): string {
  const out = [
    "version: 1",
    "defaults: { unmanaged: warning }",
    "policies:",
    "  key-max-age: { severity: warning, max_age_days: 90 }",
    "projects:",
  ];
  const bot = "{ type: service_account, name: bot }";
  for (let p = 0; p < PROJECTS; p++) {
    out.push(`  - id: ${id(p)}`, "    keys:");
    for (let k = 1; k <= 20; k++) {
      out.push(`      - { name: key-${String(k).padStart(3, "0")}, owner: ${bot} }`);
    }
    for (let k = 1; k <= 40; k++) out.push(`      - { name: gone-${k}, owner: ${bot} }`);
  }
  return out.join("\n") + "\n";
}

export const DRIFT = PROJECTS * (40 + 80);
export const FINDINGS = PROJECTS * KEYS;

/**
 * The run of {@link checkDriftedOrg}, started by the first test that asks for it (a run started at
 * import would start timers outside any test, which the sanitizers rightly refuse).
 */
export function driftedOrg(formats: string[]): () => Promise<Map<string, string>> {
  let run: Promise<Map<string, string>> | null = null;
  return () => (run ??= checkDriftedOrg(formats));
}

/** Runs `check` once over the organisation, writing `formats` to `r.<format>` files. */
async function checkDriftedOrg(formats: string[]): Promise<Map<string, string>> {
  const argv = [...CHECK_FAKE];
  for (const f of formats) argv.push("--format", `${f}=r.${f}`);
  const r = await runCli(argv, { files: { "keydrift.yaml": manifest(), "state.yaml": state() } });
  assertEquals(r.code, 2, r.stderr);
  return r.files;
}
