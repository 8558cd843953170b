/**
 * The run's fixes decided as a whole (lib/enrich/fix_plan.ts): a service-account key goes with
 * its account, and only when the account holds nothing else the run keeps; a key whose use
 * `--usage` left in doubt is never deleted; one key never gets two contradictory calls.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { planFixes } from "../lib/enrich/fix_plan.ts";
import { entryKey, type RunFacts, type ServiceAccountKeys } from "../lib/assess/assessment.ts";
import { driftFixWords, findingFixWords } from "../lib/render/words.ts";
import type {
  DeclaredOwner,
  Drift,
  Finding,
  Remediation,
  UsageVerdict,
} from "../lib/core/types.ts";
import { POLICIES } from "../policies/mod.ts";

const NOW = 1_800_000_000;
const at = { file: "keydrift.yaml", line: 9, column: 7 };
const P = "proj_a";
const unexpected = (keyId: string, extra: Partial<Drift> = {}): Drift => ({
  kind: "unexpected",
  severity: "error",
  projectId: P,
  keyId,
  keyName: keyId.replace("key_", ""),
  changes: [],
  location: null,
  ...extra,
});
const finding = (keyId: string, policy: string, extra: Partial<Finding> = {}): Finding => ({
  policy,
  severity: "error",
  projectId: P,
  keyId,
  keyName: keyId.replace("key_", ""),
  facts: {},
  waived: false,
  waiver: null,
  location: at,
  ...extra,
});
const missing = (name: string): Drift => ({
  ...unexpected("", { kind: "missing", keyId: null, keyName: name, location: at }),
});

/** The run's facts: service accounts (id -> key ids) and declared owners (entry -> owner). */
function facts(
  accounts: Record<string, string[]> = {},
  owners: Record<string, DeclaredOwner> = {},
): RunFacts {
  const sa = (id: string, keys: string[]): [string, ServiceAccountKeys] => [
    entryKey(P, id),
    { id, name: `${id}-name`, keys },
  ];
  return {
    now: NOW,
    createdAt: new Map(),
    owners: new Map(Object.entries(owners).map(([k, o]) => [entryKey(P, k), o])),
    options: new Map(),
    accounts: new Map(Object.entries(accounts).map(([id, keys]) => sa(id, keys))),
    archived: new Set(),
  };
}

const plan = (drift: Drift[], findings: Finding[], f: RunFacts) =>
  planFixes({ drift, findings, policies: POLICIES, facts: f });
const SA_PATH = (sa: string) => `/organization/projects/${P}/service_accounts/${sa}`;

Deno.test("a service-account key that no one keeps goes with its account: one DELETE of the account for all its unexpected keys", () => {
  const r = plan(
    [unexpected("key_s1"), unexpected("key_s2")],
    [],
    facts({ svc_1: ["key_s1", "key_s2"] }),
  );
  for (const x of r.drift) {
    assertEquals([x.action, x.method, x.path], [
      "delete_service_account",
      "DELETE",
      SA_PATH("svc_1"),
    ]);
    assertEquals(x.in_published_spec, true);
  }
  assertEquals(r.drift[0].ids, { project_id: P, key_id: "key_s1", service_account_id: "svc_1" });
  ok(driftFixWords(unexpected("key_s1"), r.drift[0]).includes("with its service account svc_1"));
});

Deno.test("an account that holds a declared key, or a key the run leaves alone, is not deleted: the fix is a manifest edit saying what it holds", () => {
  // key_d is in sync (declared): no item deletes it; key_s is unexpected.
  const r = plan([unexpected("key_s")], [], facts({ svc_1: ["key_d", "key_s"] }));
  const [fix] = r.drift;
  assertEquals(fix.action, "edit_manifest");
  assertEquals(fix.body, { add_entry: { name: "s", id: "key_s" } });
  assertEquals(fix.instead_of, {
    action: "delete_service_account",
    because: "service_account_holds",
    account: { id: "svc_1", keys: ["key_d"], entries: [] },
  });
  assertEquals(
    driftFixWords(unexpected("key_s"), fix),
    "Declare the key in the manifest: a service-account key goes only with its account (the published spec refuses a plain delete of one), and service account svc_1 also holds its other key key_d.",
  );
});

Deno.test("an account that a missing entry names (by id, or by name without one) is held by that entry", () => {
  const byName = plan(
    [unexpected("key_s"), missing("worker")],
    [],
    facts({ svc_1: ["key_s"] }, { worker: { type: "service_account", name: "svc_1-name" } }),
  );
  assertEquals(byName.drift[0].instead_of?.account, { id: "svc_1", keys: [], entries: ["worker"] });
  const otherId = plan(
    [unexpected("key_s"), missing("worker")],
    [],
    facts({ svc_1: ["key_s"] }, {
      worker: { type: "service_account", name: "svc_1-name", id: "svc_2" },
    }),
  );
  assertEquals(otherId.drift[0].action, "delete_service_account");
});

Deno.test("a finding's delete through the account counts only when it is open: a waived one holds the key", () => {
  const waived = finding("key_d", "key-expired", { waived: true });
  const r = plan([unexpected("key_s")], [waived], facts({ svc_1: ["key_d", "key_s"] }));
  assertEquals(r.drift[0].instead_of?.account?.keys, ["key_d"]);
  const open = plan(
    [unexpected("key_s")],
    [finding("key_d", "key-expired")],
    facts({
      svc_1: ["key_d", "key_s"],
    }),
  );
  assertEquals(open.drift[0].path, SA_PATH("svc_1"));
  assertEquals(open.findings[0].path, SA_PATH("svc_1"));
  ok(
    findingFixWords(finding("key_d", "key-expired"), open.findings[0], undefined)
      .includes("The key goes with its service account svc_1"),
  );
});

Deno.test("a key whose usage verdict is unknown or inconsistent is never deleted, by any of its items; a known use, or none, is no doubt", () => {
  const withUsage = (usage: Drift["usage"], usageVerdict: UsageVerdict) =>
    plan(
      [unexpected("key_u", { usage, usageVerdict })],
      [finding("key_u", "key-unused", { usage, usageVerdict })],
      facts(),
    );
  const unknown = plan(
    [unexpected("key_u", { usage: null, usageError: "the usage API answered 500" })],
    [finding("key_u", "key-unused")],
    facts(),
  );
  for (const r of [...unknown.drift, ...unknown.findings]) {
    assertEquals([r.action, r.instead_of?.because], ["edit_manifest", "use_unknown"]);
  }
  assertEquals(unknown.findings[0].body, {
    add_waiver: { policy: "key-unused", project: P, key: "u" },
  });
  // The verdict `--usage` puts on the item (SPEC 11.3): zero of an incomplete read is unknown,
  // zero that `last_used_at` or spend contradicts is inconsistent.
  const usage = (requests: number, complete: boolean) => ({
    days: 7,
    requests,
    input_tokens: 0,
    output_tokens: 0,
    by_family: requests ? { embeddings: requests } : {},
    cost_usd: 0,
    complete,
    unknown_families: complete ? [] : ["images" as const],
  });
  for (const r of Object.values(withUsage(usage(0, false), "unknown")).flat()) {
    assertEquals([r.action, r.instead_of?.because], ["edit_manifest", "use_unknown"]);
  }
  for (const r of Object.values(withUsage(usage(0, true), "inconsistent")).flat()) {
    assertEquals([r.action, r.instead_of?.because], ["edit_manifest", "use_inconsistent"]);
  }
  assertEquals(withUsage(usage(3, false), "used").drift[0].action, "delete_key");
  assertEquals(withUsage(usage(0, true), "unused").findings[0].action, "delete_key");
  const contradicted = plan(
    [unexpected("key_u")],
    [finding("key_u", "key-unused", { usageContradicts: true })],
    facts(),
  );
  assertEquals(contradicted.drift[0].instead_of?.because, "use_inconsistent");
  ok(
    driftFixWords(unexpected("key_u"), contradicted.drift[0]).includes(
      "the usage API's counts disagree with its last_used_at or its spend",
    ),
  );
});

Deno.test("one key never gets both a POST and a DELETE: a delete wins over an expiry for every open item of the key", () => {
  const r = plan(
    [unexpected("key_x")],
    [finding("key_x", "key-no-expiry"), finding("key_y", "key-no-expiry")],
    facts(),
  );
  const calls = new Map<string, Set<string>>();
  for (const x of [...r.drift, ...r.findings]) {
    const k = x.ids.key_id!;
    calls.set(k, (calls.get(k) ?? new Set()).add(x.method));
  }
  assertEquals([...calls.get("key_x")!], ["DELETE"]);
  assertEquals([...calls.get("key_y")!], ["POST"]);
  assertEquals(r.findings[0].instead_of, { action: "set_expiry", because: "key_deleted" });
  assertEquals(r.findings[0].path, r.drift[0].path);
  // A waived delete does not override an open expiry.
  const waived = plan([], [
    finding("key_z", "key-unused", { waived: true }),
    finding("key_z", "key-no-expiry"),
  ], facts());
  assertEquals(waived.findings.map((f: Remediation) => f.method), ["DELETE", "POST"]);
});

Deno.test("no call acts in an archived project: the fix is the manifest edit, saying why", () => {
  const archived = { ...facts(), archived: new Set([P]) };
  const r = plan([unexpected("key_u"), missing("worker")], [finding("key_v", "key-no-expiry")], {
    ...archived,
    owners: new Map([[entryKey(P, "worker"), { type: "service_account", name: "bot", id: "s" }]]),
  });
  assertEquals(r.drift.map((x) => [x.method, x.instead_of?.because, x.instead_of?.action]), [
    ["EDIT", "project_archived", "delete_key"],
    ["EDIT", "project_archived", "create_key"],
  ]);
  assertEquals(r.drift[1].body, { remove: "entry" });
  assertEquals(r.findings[0].instead_of, { action: "set_expiry", because: "project_archived" });
  ok(driftFixWords(unexpected("key_u"), r.drift[0]).includes("the project is archived"));
});
