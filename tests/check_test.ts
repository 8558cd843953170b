/**
 * `keydrift check` over random live states (through the fake, the real client and the SDK) and
 * manifests derived from them: the report's counts add up, every live key is accounted for
 * exactly once, the exit code agrees with the report, and the output is deterministic.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import fc from "fast-check";
import { CHECK_FAKE, runCli } from "./_helpers.ts";

const RUNS = Math.ceil(Number(Deno.env.get("KEYDRIFT_FUZZ_RUNS") ?? 300) / 3);

const USERS = ["Ana Ruiz", "Ben Okafor", "Cleo Diaz"];
const BOTS = ["deployer", "indexer"];
const NAMES = ["ci", "deploy", "laptop", "worker", "worker"];

interface GenKey {
  name: string;
  owner: number; // < USERS.length: a user; else a service account
  active: boolean;
}
interface GenProject {
  keys: GenKey[];
  archived: boolean;
  exists: boolean;
  unmanaged: "error" | "warning" | "ignore";
  /** Per live key: declare it as is, with another owner, not at all; pinned or not. */
  plan: { how: "same" | "other_owner" | "skip"; pin: boolean }[];
  extra: { name: string; owner: number }[];
}

const key = fc.record({
  name: fc.constantFrom(...NAMES),
  owner: fc.nat(USERS.length + BOTS.length - 1),
  active: fc.boolean(),
});
const project = fc.record({
  keys: fc.array(key, { maxLength: 8 }),
  archived: fc.boolean(),
  exists: fc.boolean(),
  unmanaged: fc.constantFrom("error" as const, "warning" as const, "ignore" as const),
  plan: fc.array(
    fc.record({
      how: fc.constantFrom("same" as const, "other_owner" as const, "skip" as const),
      pin: fc.boolean(),
    }),
    { minLength: 8, maxLength: 8 },
  ),
  extra: fc.array(
    fc.record({ name: fc.constantFrom(...NAMES), owner: fc.nat(USERS.length + BOTS.length - 1) }),
    { maxLength: 2 },
  ),
});

const owner = (o: number) =>
  o < USERS.length
    ? `{ type: user, name: "${USERS[o]}" }`
    : `{ type: service_account, name: ${BOTS[o - USERS.length]} }`;

function stateYaml(projects: GenProject[]): string {
  const out = [
    "users:",
    ...USERS.map((u, i) => `  - { id: user_${i}, name: "${u}", email: u${i}@example.test }`),
    "projects:",
  ];
  projects.forEach((p, pi) => {
    if (!p.exists) return;
    out.push(`  - id: proj_${pi}`, `    status: ${p.archived ? "archived" : "active"}`);
    const members = USERS.map((_, i) => i).filter((i) =>
      p.keys.every((k) => k.owner !== i || k.active)
    );
    out.push(
      `    members: [${members.map((i) => `{ user: user_${i}, role: member }`).join(", ")}]`,
    );
    out.push(
      `    service_accounts: [${
        BOTS.map((b, i) => `{ id: sa_${pi}_${i}, name: ${b} }`).join(", ")
      }]`,
    );
    out.push(`    keys:${p.keys.length ? "" : " []"}`);
    p.keys.forEach((k, ki) => {
      const id = k.owner < USERS.length ? `user_${k.owner}` : `sa_${pi}_${k.owner - USERS.length}`;
      out.push(`      - { id: key_${pi}_${ki}, name: ${k.name}, owner: ${id}, last_used_at: -1d }`);
    });
  });
  if (out.at(-1) === "projects:") out[out.length - 1] += " []";
  return out.join("\n") + "\n";
}

function manifestYaml(projects: GenProject[]): string {
  const out = ["version: 1", "projects:"];
  projects.forEach((p, pi) => {
    out.push(`  - id: proj_${pi}`, `    unmanaged: ${p.unmanaged}`, "    keys:");
    const entries: string[] = [];
    p.keys.forEach((k, ki) => {
      const plan = p.plan[ki];
      if (plan.how === "skip") return;
      const o = plan.how === "same" ? k.owner : (k.owner + 1) % (USERS.length + BOTS.length);
      const pin = plan.pin ? `, id: key_${pi}_${ki}` : "";
      entries.push(`      - { name: ${k.name}${pin}, owner: ${owner(o)} }`);
    });
    for (const e of p.extra) entries.push(`      - { name: ${e.name}, owner: ${owner(e.owner)} }`);
    if (!entries.length) out[out.length - 1] += " []";
    out.push(...entries);
  });
  return out.join("\n") + "\n";
}

async function check(projects: GenProject[]) {
  return await runCli(
    [...CHECK_FAKE, "--format", "json=r.json"],
    { files: { "keydrift.yaml": manifestYaml(projects), "state.yaml": stateYaml(projects) } },
  );
}

Deno.test("property: random live states give reports whose counts add up", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(project, { minLength: 1, maxLength: 5 }), async (projects) => {
      const r = await check(projects);
      ok(r.code === 0 || r.code === 2, `exit ${r.code}: ${r.stderr}${r.stdout}`);
      const rep = JSON.parse(r.files.get("r.json")!);
      const s = rep.summary;
      const drift = rep.drift as { kind: string; key_id: string | null; severity: string }[];
      const declared = manifestYaml(projects).split("\n").filter((l) => l.includes("name:")).length;
      const live = projects.reduce((n, p) => n + (p.exists ? p.keys.length : 0), 0);
      assertEquals(s.declared_keys, declared);
      assertEquals(s.live_keys, live);
      // Every declared entry ends in exactly one state...
      assertEquals(
        s.in_sync_keys + s.changed + s.ambiguous + s.missing + s.in_missing_projects,
        declared,
      );
      // ...and every live key too.
      assertEquals(
        s.in_sync_keys + s.changed + s.ambiguous_candidates + s.unexpected + s.ignored,
        live,
      );
      const kinds = (k: string) => drift.filter((d) => d.kind === k).length;
      assertEquals(kinds("missing"), s.missing);
      assertEquals(kinds("unexpected"), s.unexpected);
      assertEquals(kinds("ambiguous"), s.ambiguous);
      assertEquals(kinds("project_missing"), projects.filter((p) => !p.exists).length);
      // No live key is claimed twice by drift.
      const claimed = drift.filter((d) => d.kind === "unexpected" || d.kind === "changed")
        .map((d) => d.key_id);
      assertEquals(new Set(claimed).size, claimed.length);
      // The exit code agrees with the report.
      const failing = drift.some((d) => d.severity === "error") || s.policy_errors > 0;
      assertEquals(r.code, failing ? 2 : 0);
      assertEquals(rep.exit_code, r.code);
      // Deterministic: the same input gives the same bytes.
      const again = await check(projects);
      assertEquals(again.stdout, r.stdout);
      assertEquals(again.files.get("r.json"), r.files.get("r.json"));
    }),
    { numRuns: RUNS },
  );
});
