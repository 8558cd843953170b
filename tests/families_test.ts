/**
 * Key families (SPEC 11.4, docs/manifest.md#key-families): the manifest's `families:` (located
 * problems), which live keys a family takes (precedence with entries, owner types, pinned ids),
 * and the four family policies with an injected clock.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { diffProject } from "../lib/assess/diff.ts";
import { evaluateProject, policySetup } from "../lib/assess/evaluate.ts";
import { DAY } from "../lib/assess/policy.ts";
import { loadManifests } from "../lib/manifest/load.ts";
import { buildSchema } from "../lib/manifest/schema.ts";
import { readFull } from "../lib/yaml/full.ts";
import { remediateFinding } from "../lib/enrich/remediation.ts";
import { POLICIES } from "../policies/mod.ts";
import type { Finding, LiveKey, LiveProject, Manifest } from "../lib/core/types.ts";
import { live, NOW, NOW_S } from "./_helpers.ts";

const BILLING =
  `      - { name: billing, owner: { type: service_account, name_pattern: "billing-*" }, key_name_pattern: "*", managed_by: infisical, max_live: 2, rotate_every_days: 30, grace_days: 7 }\n`;

function load(families: string, keys = "    keys: []\n", extra = "") {
  const text = `version: 1\n${extra}projects:\n  - id: p\n${keys}    families:\n${families}`;
  return loadManifests([{ path: "m.yaml", text }], POLICIES, readFull);
}

function manifest(families: string, keys?: string, extra?: string): Manifest {
  const r = load(families, keys, extra);
  if (!r.manifest) throw new Error(JSON.stringify(r.problems));
  return r.manifest;
}

/** A service-account key of `account`, created `age` seconds before the test clock. */
const sa = (id: string, account: string, age: number, name = "Secret Key"): LiveKey =>
  live(id, name, account, "service_account", {
    createdAt: NOW_S - age,
    lastUsedAt: NOW_S - 60,
  });

const project = (keys: LiveKey[]): LiveProject => ({
  id: "p",
  found: true,
  name: null,
  status: "active",
  keys,
});

/** Diff and evaluate project p at the clock `now` (ms), as `check` does. */
function check(m: Manifest, keys: LiveKey[], now = NOW) {
  const declared = m.projects[0];
  const diffed = diffProject(declared, project(keys));
  const setup = policySetup(POLICIES, m, { now, noWaivers: false });
  const { findings } = evaluateProject(setup, {
    declared,
    project: project(keys),
    matched: diffed.matched,
    families: diffed.families,
  });
  const family = findings.filter((f) => f.family !== undefined);
  return { diffed, findings: family };
}

const drift = (d: ReturnType<typeof check>["diffed"]) =>
  d.drift.map((x) => `${x.kind} ${x.keyId ?? x.keyName}`);
const members = (d: ReturnType<typeof check>["diffed"]) =>
  d.families.map((f) => `${f.family.name}: ${f.members.map((k) => k.id).join(",")}`);
const said = (fs: Finding[]) => fs.map((f) => `${f.policy} ${f.family} ${f.keyId}`);

Deno.test("families: loads every field of the issue's syntax, located, with max_ttl in seconds", () => {
  const m = manifest(
    BILLING +
      `      - name: leases\n        owner: { type: service_account, name_pattern: "vault-app-????????" }\n        max_ttl: 1h30m\n`,
  );
  const [billing, leases] = m.projects[0].families;
  assertEquals(billing, {
    name: "billing",
    owner: { type: "service_account", namePattern: "billing-*" },
    keyNamePattern: "*",
    managedBy: "infisical",
    maxLive: 2,
    rotateEveryDays: 30,
    graceDays: 7,
    maxTtl: null,
    location: { file: "m.yaml", line: 6, column: 9 },
  });
  assertEquals(leases.maxTtl, { text: "1h30m", seconds: 5400 });
  assertEquals([leases.keyNamePattern, leases.managedBy, leases.maxLive], [null, null, null]);
});

Deno.test("families: a bad glob, a duration without unit (with examples) or of zero, a name used twice and grace_days alone are located problems", () => {
  const r = load(
    BILLING +
      `      - name: billing\n        owner: { type: user, name_pattern: "ana\\\\" }\n        key_name_pattern: "x\\\\"\n        grace_days: 3\n` +
      `      - name: leases\n        owner: { type: service_account, name_pattern: "v-*" }\n        max_ttl: 0s\n` +
      `      - name: other\n        owner: { type: service_account, name_pattern: "o-*" }\n        max_ttl: "24"\n`,
  );
  assertEquals(r.manifest, null);
  assertEquals(r.problems.map((p) => `${p.line}:${p.column}: ${p.message}`), [
    '7:9: family "billing" is declared twice: here and at m.yaml:6:9',
    '8:30: name_pattern "ana\\" is not a glob: it ends with a lone \\ (write \\\\ for a backslash)',
    '9:9: key_name_pattern "x\\" is not a glob: it ends with a lone \\ (write \\\\ for a backslash)',
    "10:9: grace_days applies only with rotate_every_days: add rotate_every_days or remove grace_days",
    '13:9: max_ttl "0s" is zero; write how long a credential may live (24h)',
    '16:18: "max_ttl" in family must match ^([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?$ (such as "24h", "7d", "1h30m"), not "24"',
  ]);
});

Deno.test("families: the manifest schema describes them (keydrift schema prints it; validate enforces it)", () => {
  const schema = buildSchema(POLICIES);
  const family = schema.properties!.projects.items!.properties!.families.items!;
  assertEquals(family.required, ["name", "owner"]);
  assertEquals(Object.keys(family.properties!), [
    "name",
    "owner",
    "key_name_pattern",
    "managed_by",
    "max_live",
    "rotate_every_days",
    "grace_days",
    "max_ttl",
  ]);
  assertEquals(family.properties!.owner.required, ["type", "name_pattern"]);
  assertEquals(family.properties!.max_ttl.pattern, "^([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?$");
});

Deno.test("a family with two rotated members is in sync: neither unexpected nor missing, no finding", () => {
  const { diffed, findings } = check(manifest(BILLING), [
    sa("key_b1", "billing-1760000000000", 30 * DAY),
    sa("key_b2", "billing-1762600000000", 10 * DAY),
  ]);
  assertEquals(drift(diffed), []);
  assertEquals(members(diffed), ["billing: key_b2,key_b1"]);
  assertEquals(said(findings), []);
});

Deno.test("a third member fails with family-over-capacity on the oldest, whose own fix deletes it", () => {
  const m = manifest(BILLING);
  const { diffed, findings } = check(m, [
    sa("key_b1", "billing-1760000000000", 30 * DAY),
    sa("key_b0", "billing-1757000000000", 60 * DAY),
    sa("key_b2", "billing-1762600000000", 10 * DAY),
  ]);
  assertEquals(drift(diffed), []);
  assertEquals(said(findings), ["family-over-capacity billing key_b0"]);
  const f = findings[0];
  assertEquals([f.severity, f.facts.live, f.facts.max_live], ["error", 3, 2]);
  assertEquals(f.location, m.projects[0].families[0].location);
  const fix = remediateFinding(f, POLICIES.find((p) => p.id === f.policy), {
    now: NOW_S,
    createdAt: new Map(),
    owners: new Map(),
    options: new Map(),
    accounts: new Map(),
    archived: new Set(),
  });
  // The run's plan (enrich/fix_plan.ts) routes it through its service account: families_cli_test.
  assertEquals([fix.action, fix.method, fix.path], [
    "delete_key",
    "DELETE",
    "/organization/projects/p/api_keys/key_b0",
  ]);
});

Deno.test("family-rotation-stalled: not at rotate_every_days + grace_days exactly, one second later on the newest key", () => {
  const m = manifest(BILLING);
  const keys = [sa("key_b1", "billing-1", 30 * DAY), sa("key_b2", "billing-2", 10 * DAY)];
  // The newest is 10 days old at NOW: the window (30 + 7 days) ends 27 days later.
  const edge = NOW + 27 * DAY * 1000;
  assertEquals(said(check(m, keys, edge).findings), []);
  const late = check(m, keys, edge + 1000).findings;
  assertEquals(said(late), ["family-rotation-stalled billing key_b2"]);
  assertEquals(late[0].facts.days, 37);
  assertEquals(late[0].facts.limit, 37);
});

Deno.test("orphaned-dynamic-credential names each key older than max_ttl; a younger one is fine", () => {
  const m = manifest(
    `      - { name: leases, owner: { type: service_account, name_pattern: "vault-app-????????" }, managed_by: vault, max_ttl: 24h }\n`,
  );
  const { findings } = check(m, [
    sa("key_old", "vault-app-ab12cd34", 2 * DAY),
    sa("key_new", "vault-app-zz98yy76", 12 * 3600),
    sa("key_edge", "vault-app-edge0001", DAY),
  ]);
  assertEquals(said(findings), ["orphaned-dynamic-credential leases key_old"]);
  assertEquals(findings[0].facts.max_ttl, "24h");
});

Deno.test("a user's key in a family is deleted alone: no service account goes with it", () => {
  const m = manifest(
    `      - { name: laptops, owner: { type: user, name_pattern: "ana*" }, max_ttl: 1h }\n`,
  );
  const { findings } = check(m, [live("key_u", "scratch", "ana", "user", {
    createdAt: NOW_S - 2 * DAY,
    lastUsedAt: NOW_S - 60,
  })]);
  const fix = remediateFinding(findings[0], POLICIES.find((p) => p.id === findings[0].policy), {
    now: NOW_S,
    createdAt: new Map(),
    owners: new Map(),
    options: new Map(),
    accounts: new Map(),
    archived: new Set(),
  });
  assertEquals([fix.action, fix.path], ["delete_key", "/organization/projects/p/api_keys/key_u"]);
});

Deno.test("family-empty: a rotated family with no live key is a finding about the family; a dynamic one may be empty", () => {
  const m = manifest(
    BILLING +
      `      - { name: leases, owner: { type: service_account, name_pattern: "vault-*" }, max_ttl: 24h }\n`,
  );
  const { findings } = check(m, []);
  assertEquals(said(findings), ["family-empty billing null"]);
  assertEquals(findings[0].keyName, null);
});

Deno.test("a user-owned key that matches the family's globs stays unexpected: a family never hides another owner type", () => {
  const { diffed } = check(manifest(BILLING), [
    sa("key_b1", "billing-1", DAY),
    live("key_ana", "billing-x", "billing-ana", "user"),
  ]);
  assertEquals(drift(diffed), ["unexpected key_ana"]);
  assertEquals(members(diffed), ["billing: key_b1"]);
});

Deno.test("a pinned key is never taken by a family; an entry matching by name and owner comes before families", () => {
  const keys = `    keys:\n` +
    `      - { name: Secret Key, id: key_pinned, owner: { type: service_account, name: billing-1 } }\n` +
    `      - { name: Secret Key, owner: { type: service_account, name: billing-2 } }\n`;
  const { diffed } = check(manifest(BILLING, keys), [
    sa("key_pinned", "billing-1", DAY),
    sa("key_named", "billing-2", DAY),
    sa("key_family", "billing-3", DAY),
  ]);
  assertEquals(drift(diffed), []);
  assertEquals(diffed.counts.inSync, 2);
  assertEquals(members(diffed), ["billing: key_family"]);
});

Deno.test("an entry's name-only fallback never takes a family's key: the entry is missing, the key the family's", () => {
  // Service-account keys all have OpenAI's default name; without this the entry would take the
  // family's key as "changed" (owner billing-1 instead of legacy-bot).
  const keys =
    `    keys:\n      - { name: Secret Key, owner: { type: service_account, name: legacy-bot } }\n`;
  const { diffed } = check(manifest(BILLING, keys), [sa("key_b1", "billing-1", DAY)]);
  assertEquals(drift(diffed), ["missing Secret Key"]);
  assertEquals(members(diffed), ["billing: key_b1"]);
});

Deno.test("a key that two families fit is the first declared family's", () => {
  const m = manifest(
    `      - { name: narrow, owner: { type: service_account, name_pattern: "billing-eu-*" } }\n` +
      `      - { name: wide, owner: { type: service_account, name_pattern: "billing-*" } }\n`,
  );
  const { diffed } = check(m, [
    sa("key_eu", "billing-eu-1", DAY),
    sa("key_us", "billing-us-1", DAY),
  ]);
  assertEquals(members(diffed), ["narrow: key_eu", "wide: key_us"]);
});

Deno.test("keys an ambiguous entry claims stay its candidates, not a family's", () => {
  const keys =
    `    keys:\n      - { name: Secret Key, owner: { type: service_account, name: billing-1 } }\n`;
  const { diffed } = check(manifest(BILLING, keys), [
    sa("key_a", "billing-1", DAY),
    sa("key_b", "billing-1", 2 * DAY),
  ]);
  assertEquals(drift(diffed), ["ambiguous Secret Key"]);
  assertEquals(members(diffed), ["billing: "]);
});

Deno.test("a waiver naming the family silences its family findings", () => {
  const waived = loadManifests(
    [{
      path: "m.yaml",
      text:
        `version: 1\nprojects:\n  - id: p\n    keys: []\n    families:\n${BILLING}waivers:\n  - { policy: family-empty, project: p, key: billing, reason: migrating, expires: 2099-01-01 }\n`,
    }],
    POLICIES,
    readFull,
  ).manifest!;
  const { findings } = check(waived, []);
  assertEquals(findings.map((f) => [f.policy, f.waived]), [["family-empty", true]]);
});
