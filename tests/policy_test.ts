import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { findingText } from "../lib/render/_shared.ts";
import { DAY, evaluatePolicies, type Policy } from "../lib/policy.ts";
import { loadManifests } from "../lib/manifest.ts";
import { readFull } from "../lib/yaml_full.ts";
import { POLICIES } from "../policies/mod.ts";
import type { LiveKey, LiveProject, Manifest } from "../lib/types.ts";
import { live, NOW, NOW_S } from "./_helpers.ts";

function manifest(extra = "", projectExtra = ""): Manifest {
  const text = `version: 1\n${extra}projects:\n  - id: p\n${projectExtra}    keys: []\n`;
  const r = loadManifests([{ path: "m.yaml", text }], POLICIES, readFull);
  if (!r.manifest) throw new Error(JSON.stringify(r.problems));
  return r.manifest;
}

function run(
  keys: LiveKey[],
  m = manifest(),
  opts: { noWaivers?: boolean; policies?: readonly Policy[] } = {},
) {
  const liveMap = new Map<string, LiveProject>([["p", {
    id: "p",
    found: true,
    name: null,
    status: "active",
    keys,
  }]]);
  return evaluatePolicies(opts.policies ?? POLICIES, m, liveMap, {
    now: NOW,
    noWaivers: opts.noWaivers ?? false,
    matched: new Map(),
  });
}

const ids = (keys: LiveKey[], m?: Manifest) =>
  run(keys, m).findings.map((f) => `${f.policy}:${f.severity}`);
const k = (extra: Partial<LiveKey>) =>
  live("k1", "svc-a", "bot", "service_account", {
    createdAt: NOW_S - 10 * DAY,
    lastUsedAt: NOW_S - DAY,
    expiresAt: NOW_S + 100 * DAY,
    ...extra,
  });

Deno.test("key-unused: exactly at 90 days is fine; one second more warns; never used is not 'unused'", () => {
  assertEquals(ids([k({ lastUsedAt: NOW_S - 90 * DAY })]), []);
  assertEquals(ids([k({ lastUsedAt: NOW_S - 90 * DAY + 1 })]), []);
  assertEquals(ids([k({ lastUsedAt: NOW_S - 90 * DAY - 1 })]), ["key-unused:warning"]);
  const f = run([k({ lastUsedAt: NOW_S - 97 * DAY })]).findings[0];
  assertEquals(f.message, "last used 97 days ago; the limit is 90 days: rotate or delete it");
});

Deno.test("key-never-used: grace of 30 days from creation, null last_used_at only", () => {
  assertEquals(ids([k({ lastUsedAt: null, createdAt: NOW_S - 30 * DAY })]), []);
  assertEquals(ids([k({ lastUsedAt: null, createdAt: NOW_S - 30 * DAY - 1 })]), [
    "key-never-used:warning",
  ]);
});

Deno.test("key-expired and key-expiring-soon at their boundaries; a missing expires_at field is no expiry", () => {
  assertEquals(ids([k({ expiresAt: NOW_S })]), ["key-expired:error"]);
  assertEquals(ids([k({ expiresAt: NOW_S - 1 })]), ["key-expired:error"]);
  assertEquals(ids([k({ expiresAt: NOW_S + 1 })]), ["key-expiring-soon:warning"]);
  assertEquals(ids([k({ expiresAt: NOW_S + 14 * DAY })]), ["key-expiring-soon:warning"]);
  assertEquals(ids([k({ expiresAt: NOW_S + 14 * DAY + 1 })]), []);
  assertEquals(ids([k({ expiresAt: undefined })]), []);
  assertEquals(ids([k({ expiresAt: null })]), []);
});

Deno.test("off-by-default policies run when the manifest enables them, with options", () => {
  const m = manifest(
    "policies:\n  key-max-age: { severity: error, max_age_days: 30 }\n  key-no-expiry: { severity: warning }\n  key-expiry-too-long: { severity: warning, max_days: 200 }\n  key-name-pattern: { severity: warning, pattern: '^svc-' }\n",
  );
  assertEquals(ids([k({ createdAt: NOW_S - 30 * DAY })], m), []);
  assertEquals(ids([k({ createdAt: NOW_S - 30 * DAY - 1 })], m), ["key-max-age:error"]);
  assertEquals(ids([k({ expiresAt: NOW_S + 190 * DAY })], m), []);
  assertEquals(ids([k({ expiresAt: NOW_S + 190 * DAY + 1 })], m), ["key-expiry-too-long:warning"]);
  assertEquals(ids([k({ expiresAt: null, name: "bad_name" })], m), [
    "key-no-expiry:warning",
    "key-name-pattern:warning",
  ]);
  assertEquals(ids([k({ expiresAt: undefined })], m), ["key-no-expiry:warning"]);
});

Deno.test("owner-lost-access fails; user-owned-key follows service_accounts_only and all_projects", () => {
  assertEquals(ids([k({ ownerProjectAccess: "inactive" })]), ["owner-lost-access:error"]);
  const user = live("k2", "u", "ana", "user", { lastUsedAt: NOW_S, expiresAt: null });
  assertEquals(ids([user]), []);
  assertEquals(ids([user], manifest("", "    service_accounts_only: true\n")), [
    "user-owned-key:error",
  ]);
  assertEquals(ids([user], manifest("policies:\n  user-owned-key: { all_projects: true }\n")), [
    "user-owned-key:error",
  ]);
  assertEquals(
    ids(
      [user],
      manifest(
        "policies:\n  user-owned-key: { severity: off }\n",
        "    service_accounts_only: true\n",
      ),
    ),
    [],
  );
});

Deno.test("multiple-keys-per-owner flags the older surplus keys only", () => {
  const m = manifest("policies:\n  multiple-keys-per-owner: { severity: warning, max: 1 }\n");
  const keys = [
    k({ id: "old", createdAt: NOW_S - 20 * DAY }),
    k({ id: "new", createdAt: NOW_S - DAY }),
  ];
  assertEquals(run(keys, m).findings.map((f) => f.keyId), ["old"]);
});

Deno.test("severity overrides: a warning policy raised to error, an error policy turned off", () => {
  const m = manifest(
    "policies:\n  key-unused: { severity: error }\n  key-expired: { severity: off }\n",
  );
  assertEquals(ids([k({ lastUsedAt: NOW_S - 100 * DAY, expiresAt: NOW_S - 1 })], m), [
    "key-unused:error",
  ]);
});

const WAIVED = (expires: string, key = "svc-a") =>
  manifest(
    `waivers:\n  - { policy: key-expired, project: p, key: ${key}, reason: rolling out, expires: ${expires} }\n`,
  );

Deno.test("waivers: active waives; expired and malformed do not, and say so; --no-waivers ignores them", () => {
  const expired = k({ expiresAt: NOW_S - DAY });
  const active = run([expired], WAIVED("2026-11-20")).findings[0];
  assertEquals([active.waived, active.waiver?.state], [true, "active"]);
  const byId = run([expired], WAIVED("2027-01-01", "k1")).findings[0];
  ok(byId.waived);
  const star = run([expired], WAIVED("2027-01-01", '"*"')).findings[0];
  ok(star.waived);
  const old = run([expired], WAIVED("2026-11-19")).findings[0];
  assertEquals([old.waived, old.waiver?.state], [false, "expired"]);
  // The finding's message is the policy's; renderers say why the waiver does not apply.
  assertEquals(old.waiver?.expires, "2026-11-19");
  ok(findingText(old).endsWith("(waiver expired on 2026-11-19)"), findingText(old));
  const r = loadManifests(
    [{
      path: "m.yaml",
      text:
        "version: 1\nprojects:\n  - id: p\n    keys: []\nwaivers:\n  - { policy: key-expired, project: p, key: svc-a, reason: r, expires: 2027-02-30 }\n",
    }],
    POLICIES,
    readFull,
  );
  const bad = run([expired], r.manifest!).findings[0];
  assertEquals([bad.waived, bad.waiver?.state], [false, "malformed"]);
  const audit = run([expired], WAIVED("2027-01-01"), { noWaivers: true }).findings[0];
  assertEquals([audit.waived, audit.waiver], [false, null]);
});

Deno.test("a waiver that matches nothing is a warning note", () => {
  const notes = run([k({})], WAIVED("2027-01-01")).notes;
  assertEquals(notes.map((n) => [n.message, n.location.line]), [[
    "waiver for key-expired on p/svc-a matches no finding; remove it if it is no longer needed",
    3,
  ]]);
});

Deno.test("findings carry the entry's location when declared, else the project's", () => {
  const f = run([k({ ownerProjectAccess: "inactive" })]).findings[0];
  assertEquals(f.location, { file: "m.yaml", line: 3, column: 5 });
});
