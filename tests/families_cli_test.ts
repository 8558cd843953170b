/**
 * Key families end to end (issue 24, SPEC 11.4): `check` against the fake, each line of "Done when"
 * with the real CLI and an injected clock; every format shows the families; `import` proposes a
 * family from the naming schemes secrets managers use (docs/manifest.md#key-families).
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { CHECK_FAKE, NOW, runCli } from "./_helpers.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

const DAY_MS = 86_400_000;

/** An Infisical-rotated family: two service accounts `billing-<Unix ms>`, 30 and 10 days old. */
function state(extra: { accounts?: string; keys?: string } = {}): string {
  return `users:
  - { id: user-ana, name: billing-ana, email: ana@example.test, created_at: 2025-01-01 }
projects:
  - id: proj_pay
    name: payments
    created_at: 2025-01-01
    members:
      - { user: user-ana, role: owner }
    service_accounts:
      - { id: svc_b1, name: billing-1760000000000, role: member, created_at: 2026-10-21 }
      - { id: svc_b2, name: billing-1762600000000, role: member, created_at: 2026-11-10 }
${extra.accounts ?? ""}    keys:
      - { id: key_b1, name: Secret Key, owner: svc_b1, created_at: 2026-10-21, last_used_at: 2026-11-19 }
      - { id: key_b2, name: Secret Key, owner: svc_b2, created_at: 2026-11-10, last_used_at: 2026-11-19 }
${extra.keys ?? ""}`;
}

const MANIFEST = `version: 1
projects:
  - id: proj_pay
    name: payments
    keys: []
    families:
      - { name: billing, owner: { type: service_account, name_pattern: "billing-*" }, key_name_pattern: "*", managed_by: infisical, max_live: 2, rotate_every_days: 30, grace_days: 7 }
`;

async function check(
  files: Record<string, string>,
  now = NOW,
  formats: string[] = ["json=r.json"],
) {
  const args = formats.flatMap((f) => ["--format", f]);
  const r = await runCli([...CHECK_FAKE, ...args], { files, now });
  return { ...r, report: JSON.parse(r.files.get("r.json") ?? "null") as Json };
}

const policies = (report: Json) =>
  report.findings.map((f: Json) => `${f.policy} ${f.family ?? "-"} ${f.key_id}`);

Deno.test("done when: a family with two rotated members is in sync (exit 0), every key managed", async () => {
  const { code, report, stderr } = await check({
    "keydrift.yaml": MANIFEST,
    "state.yaml": state(),
  });
  assertEquals(code, 0, stderr);
  assertEquals(report.drift, []);
  assertEquals(policies(report), []);
  assertEquals(
    [report.summary.family_keys, report.summary.managed_keys, report.summary.coverage],
    [2, 2, 100],
  );
  const [family] = report.families;
  assertEquals(
    [family.name, family.live, family.max_live, family.newest_age_days, family.managed_by],
    ["billing", 2, 2, 10, "infisical"],
  );
  assertEquals(family.members.map((m: Json) => [m.id, m.owner.name, m.age_days]), [
    ["key_b2", "billing-1762600000000", 10],
    ["key_b1", "billing-1760000000000", 30],
  ]);
});

Deno.test("done when: a third member fails with family-over-capacity naming the oldest, with its delete", async () => {
  const { code, report } = await check({
    "keydrift.yaml": MANIFEST,
    "state.yaml": state({
      accounts:
        "      - { id: svc_b3, name: billing-1763500000000, role: member, created_at: 2026-11-19 }\n",
      keys:
        "      - { id: key_b3, name: Secret Key, owner: svc_b3, created_at: 2026-11-19, last_used_at: 2026-11-19 }\n",
    }),
  });
  assertEquals(code, 2);
  assertEquals(report.drift, []);
  assertEquals(policies(report), ["family-over-capacity billing key_b1"]);
  const f = report.findings[0];
  assertEquals(f.facts.live, 3);
  assertEquals([f.remediation.method, f.remediation.path, f.remediation.in_published_spec], [
    "DELETE",
    "/organization/projects/proj_pay/service_accounts/svc_b1",
    true,
  ]);
});

Deno.test("done when: an injected clock past rotate_every_days + grace_days gives family-rotation-stalled", async () => {
  const files = { "keydrift.yaml": MANIFEST, "state.yaml": state() };
  // The newest key (2026-11-10) may be 37 days old: to 2026-12-17 inclusive.
  const onTime = await check(files, Date.UTC(2026, 11, 17));
  assertEquals([onTime.code, policies(onTime.report)], [0, []]);
  const late = await check(files, Date.UTC(2026, 11, 17) + 1000);
  assertEquals(late.code, 2);
  assertEquals(policies(late.report), ["family-rotation-stalled billing key_b2"]);
  ok(late.report.findings[0].message.includes("find out why infisical stopped rotating"));
});

Deno.test("done when: a dynamic credential past max_ttl is named with its delete", async () => {
  const manifest = MANIFEST +
    `      - { name: leases, owner: { type: service_account, name_pattern: "vault-app-????????" }, managed_by: vault, max_ttl: 24h }\n`;
  const { code, report, stdout } = await check(
    {
      "keydrift.yaml": manifest,
      "state.yaml": state({
        accounts:
          "      - { id: svc_v1, name: vault-app-ab12cd34, role: member, created_at: 2026-11-17 }\n" +
          "      - { id: svc_v2, name: vault-app-zz98yy76, role: member, created_at: 2026-11-19T12:00:00Z }\n",
        keys: "      - { id: key_v1, name: Secret Key, owner: svc_v1, created_at: 2026-11-17 }\n" +
          "      - { id: key_v2, name: Secret Key, owner: svc_v2, created_at: 2026-11-19T12:00:00Z }\n",
      }),
    },
    NOW,
    ["json=r.json", "text"],
  );
  assertEquals(code, 2);
  assertEquals(policies(report), ["orphaned-dynamic-credential leases key_v1"]);
  assertEquals(
    report.findings[0].remediation.path,
    "/organization/projects/proj_pay/service_accounts/svc_v1",
  );
  ok(stdout.includes('service account "vault-app-ab12cd34"'), stdout);
});

Deno.test("a family key whose service account holds a key outside the family gets a waiver naming the family, not a delete", async () => {
  // The spec refuses to delete a service account's key alone, and deleting the account would take
  // the other key: the fix is the waiver (the other key is declared, so nothing deletes it).
  const manifest = MANIFEST.replace(
    "    keys: []\n",
    "    keys:\n      - { name: other, owner: { type: service_account, name: vault-shared } }\n",
  ) +
    `      - { name: leases, owner: { type: service_account, name_pattern: "vault-*" }, key_name_pattern: "lease-*", max_ttl: 1h }\n`;
  const { report } = await check({
    "keydrift.yaml": manifest,
    "state.yaml": state({
      accounts: "      - { id: svc_v, name: vault-shared, role: member, created_at: 2026-11-17 }\n",
      keys: "      - { id: key_l, name: lease-1, owner: svc_v, created_at: 2026-11-17 }\n" +
        "      - { id: key_o, name: other, owner: svc_v, created_at: 2026-11-17 }\n",
    }),
  });
  assertEquals(report.drift, []);
  assertEquals(policies(report), ["orphaned-dynamic-credential leases key_l"]);
  const fix = report.findings[0].remediation;
  assertEquals([fix.action, fix.body, fix.instead_of.because, fix.instead_of.account.keys], [
    "edit_manifest",
    { add_waiver: { policy: "orphaned-dynamic-credential", project: "proj_pay", key: "leases" } },
    "service_account_holds",
    ["key_o"],
  ]);
});

Deno.test("done when: a user-owned key matching the family's pattern stays unexpected", async () => {
  const { code, report } = await check({
    "keydrift.yaml": MANIFEST,
    "state.yaml": state({
      keys:
        "      - { id: key_ana, name: billing-2026, owner: user-ana, created_at: 2026-11-01 }\n",
    }),
  });
  assertEquals(code, 2);
  assertEquals(report.drift.map((d: Json) => [d.kind, d.key_id, d.owner.type]), [
    ["unexpected", "key_ana", "user"],
  ]);
  assertEquals(report.families[0].members.map((m: Json) => m.id), ["key_b2", "key_b1"]);
});

Deno.test("every format shows the family: members, newest age, capacity", async () => {
  const { files, stdout } = await check(
    { "keydrift.yaml": MANIFEST, "state.yaml": state() },
    NOW,
    ["json=r.json", "text", "markdown=s.md", "junit=j.xml", "sarif=s.sarif", "github=g.txt"],
  );
  ok(
    stdout.includes(
      'key families\n  proj_pay billing (managed by infisical): 2 live of max 2, newest 10 days old; rotated every 30 days (+7 grace)\n      key_b2 service account "billing-1762600000000", 10 days old\n',
    ),
    stdout,
  );
  ok(stdout.includes("0 keys in sync, 2 keys in families across 1 project"), stdout);
  const md = files.get("s.md")!;
  ok(
    md.includes("#### Key families") && md.includes("`key_b2`") && md.includes("2 live of max 2"),
    md,
  );
  const junit = files.get("j.xml")!;
  ok(junit.includes('name="family billing"') && junit.includes("2 live of max 2"), junit);
  const sarif = JSON.parse(files.get("s.sarif")!);
  assertEquals(sarif.runs[0].properties.families, [{
    projectId: "proj_pay",
    name: "billing",
    managedBy: "infisical",
    state: "2 live of max 2, newest 10 days old; rotated every 30 days (+7 grace)",
    live: 2,
    maxLive: 2,
    newestAgeDays: 10,
    members: ["key_b2", "key_b1"],
  }]);
  ok(files.get("g.txt")!.includes("1 key family (2 live keys"), files.get("g.txt"));
});

Deno.test("a family's finding waived by the family's name does not fail the run", async () => {
  const manifest = MANIFEST +
    "waivers:\n  - { policy: family-rotation-stalled, project: proj_pay, key: billing, reason: manager migrating, expires: 2099-01-01 }\n";
  const late = await check(
    { "keydrift.yaml": manifest, "state.yaml": state() },
    Date.UTC(2026, 11, 18),
  );
  assertEquals(late.code, 0);
  assertEquals(late.report.findings.map((f: Json) => [f.policy, f.waived]), [
    ["family-rotation-stalled", true],
  ]);
});

/** Service accounts named as each manager names them, and one that only looks like it. */
const IMPORT_STATE = `projects:
  - id: proj_pay
    name: payments
    created_at: 2025-01-01
    service_accounts:
      - { id: svc_i1, name: payments-api-1760000000000, role: member, created_at: 2026-10-21 }
      - { id: svc_i2, name: payments-api-1762600000000, role: member, created_at: 2026-11-10 }
      - { id: svc_p1, name: phase-rs-5c1f7a2e-1762600000, role: member, created_at: 2026-11-10 }
      - { id: svc_v1, name: vault-reports-ab12cd34, role: member, created_at: 2026-11-19 }
      - { id: svc_r1, name: etl-x7k2m9q1, role: member, created_at: 2026-11-01 }
      - { id: svc_r2, name: etl-p3n8w4z6, role: member, created_at: 2026-11-15 }
      - { id: svc_w, name: billing-worker, role: member, created_at: 2026-01-01 }
      - { id: svc_lone, name: cron-a1b2c3, role: member, created_at: 2026-01-01 }
    keys:
      - { id: key_i1, name: Secret Key, owner: svc_i1, created_at: 2026-10-21 }
      - { id: key_i2, name: Secret Key, owner: svc_i2, created_at: 2026-11-10 }
      - { id: key_p1, name: Secret Key, owner: svc_p1, created_at: 2026-11-10 }
      - { id: key_v1, name: Secret Key, owner: svc_v1, created_at: 2026-11-19 }
      - { id: key_r1, name: Secret Key, owner: svc_r1, created_at: 2026-11-01 }
      - { id: key_r2, name: Secret Key, owner: svc_r2, created_at: 2026-11-15 }
      - { id: key_w, name: worker, owner: svc_w, created_at: 2026-01-01 }
      - { id: key_lone, name: cron, owner: svc_lone, created_at: 2026-01-01 }
`;

Deno.test("import proposes a family for Infisical, Phase and Vault names and a shared random suffix, and the result is in sync", async () => {
  const files = { "state.yaml": IMPORT_STATE };
  const r = await runCli(["import", "--fake", "state.yaml", "-o", "k.yaml"], { files });
  assertEquals(r.code, 0, r.stderr);
  ok(r.stderr.includes("4 key families proposed"), r.stderr);
  const text = r.files.get("k.yaml")!;
  for (
    const line of [
      'owner: { type: service_account, name_pattern: "etl-????????" }',
      'owner: { type: service_account, name_pattern: "payments-api-?????????????" }',
      'managed_by: "infisical" # guessed from the names',
      'owner: { type: service_account, name_pattern: "phase-rs-5c1f7a2e-??????????" }',
      'managed_by: "phase" # guessed from the names',
      'owner: { type: service_account, name_pattern: "vault-reports-????????" }',
      "# max_ttl: 24h # the plugin's default max_ttl",
      'id: "key_w"',
      'id: "key_lone"',
    ]
  ) ok(text.includes(line), `${line}\n${text}`);
  for (const id of ["key_i1", "key_i2", "key_p1", "key_v1", "key_r1", "key_r2"]) {
    ok(!text.includes(`"${id}"`), `${id} is written as a family member, not an entry`);
  }
  const c = await runCli(
    ["check", "-m", "k.yaml", "--fake", "state.yaml", "--format", "json=r.json"],
    { files: { ...files, "k.yaml": text } },
  );
  const report = JSON.parse(c.files.get("r.json")!);
  assertEquals(report.drift, []);
  assertEquals(
    report.findings.filter((f: Json) => f.severity === "error").map((f: Json) => f.policy),
    [],
  );
  assertEquals(report.summary.family_keys, 6);
  assertEquals(report.families.map((f: Json) => [f.name, f.live]), [
    ["etl", 2],
    ["payments-api", 2],
    ["phase-rs-5c1f7a2e", 1],
    ["vault-reports", 1],
  ]);
});

Deno.test("import --no-families writes every key as a pinned entry", async () => {
  const r = await runCli(["import", "--fake", "state.yaml", "-o", "k.yaml", "--no-families"], {
    files: { "state.yaml": IMPORT_STATE },
  });
  const text = r.files.get("k.yaml")!;
  ok(!text.includes("families:"), text);
  for (const id of ["key_i1", "key_v1", "key_r2"]) ok(text.includes(`id: "${id}"`), id);
});

Deno.test("check's clock, not the wall clock, dates a family's ages", async () => {
  const later = await check(
    { "keydrift.yaml": MANIFEST, "state.yaml": state() },
    NOW + 5 * DAY_MS,
  );
  assertEquals(later.report.families[0].newest_age_days, 15);
});

Deno.test("a family finding's identity carries its family: two empty families are two baseline entries, each hiding its own", async () => {
  const manifest = MANIFEST.replace("billing-*", "gone-*") +
    `      - { name: other, owner: { type: service_account, name_pattern: "other-*" } }\n`;
  const files = { "keydrift.yaml": manifest, "state.yaml": state() };
  const b = await runCli(
    ["baseline", "-m", "keydrift.yaml", "--fake", "state.yaml", "-o", "b.json"],
    { files },
  );
  assertEquals(b.code, 0, b.stderr);
  const entries = JSON.parse(b.files.get("b.json")!).entries
    .filter((e: Json) => e.rule === "policy/family-empty");
  assertEquals(entries.map((e: Json) => [e.family, e.key_name, e.occurrence]).sort(), [
    ["billing", null, 1],
    ["other", null, 1],
  ]);
  const withBase = { ...files, "b.json": b.files.get("b.json")! };
  const known = await runCli([...CHECK_FAKE, "--baseline", "b.json"], { files: withBase });
  assertEquals(known.code, 0, known.stdout);
  // Without the `other` family, its entry is resolved: it never hid the billing finding.
  const one = { ...withBase, "keydrift.yaml": manifest.split("      - { name: other")[0] };
  const r = await runCli([...CHECK_FAKE, "--baseline", "b.json", "--format", "json=r.json"], {
    files: one,
  });
  const report = JSON.parse(r.files.get("r.json")!);
  assertEquals(report.baseline_resolved.map((e: Json) => e.family), ["other"]);
  assertEquals(r.code, 0);
});

Deno.test("a family finding names its family in text and markdown, and its waiver fix names the family", async () => {
  const empty = await check(
    { "keydrift.yaml": MANIFEST.replace("billing-*", "gone-*"), "state.yaml": state() },
    NOW,
    ["json=r.json", "text", "markdown=s.md"],
  );
  ok(
    empty.stdout.includes(
      '! error family-empty: family "billing" has no live key: infisical issued none',
    ),
    empty.stdout,
  );
  ok(empty.files.get("s.md")!.includes("(error): family `billing`: has no live key\\: infisical"));
  const stalled = await check(
    { "keydrift.yaml": MANIFEST, "state.yaml": state() },
    Date.UTC(2026, 11, 18),
  );
  const fixes = [...empty.report.findings, ...stalled.report.findings].map((f: Json) =>
    `${f.policy} ${f.remediation.body.add_waiver.key}`
  );
  assertEquals(fixes, ["family-empty billing", "family-rotation-stalled billing"]);
});
