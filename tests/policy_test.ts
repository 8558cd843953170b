import { deepStrictEqual as assertEquals, ok, throws } from "node:assert/strict";
import { findingText } from "../lib/render/_shared.ts";
import { findingWords, noteWords } from "../lib/render/words.ts";
import {
  DAY,
  definePolicy,
  type OptionValues,
  type Policy,
  type ProjectContext,
} from "../lib/assess/policy.ts";
import { evaluateProject, policySetup, unusedWaiverNotes } from "../lib/assess/evaluate.ts";
import { loadManifests } from "../lib/manifest/load.ts";
import { readFull } from "../lib/yaml/full.ts";
import { POLICIES } from "../policies/mod.ts";
import { multipleKeysPerOwner } from "../policies/multiple_keys_per_owner.ts";
import type { DeclaredKey, Finding, LiveKey, LiveProject, Manifest } from "../lib/core/types.ts";
import { keyNamePattern } from "../policies/key_name_pattern.ts";
import { live, NOW, NOW_S } from "./_helpers.ts";

/** A finding's message as the renderers word it: its policy's template over its facts. */
const message = (f: Finding, policies: readonly Policy[] = POLICIES) =>
  findingWords(f, policies.find((p) => p.id === f.policy));

// key-name-pattern's RE2 is loaded on demand (`loadFrom` does it for a command that reads a
// manifest naming the policy); these tests load manifests and run policies directly.
await keyNamePattern.options.pattern.prepare!();

function manifest(
  extra = "",
  projectExtra = "",
  { keys = "    keys: []\n", policies = POLICIES }: {
    keys?: string;
    policies?: readonly Policy[];
  } = {},
): Manifest {
  const text = `version: 1\n${extra}projects:\n  - id: p\n${projectExtra}${keys}`;
  const r = loadManifests([{ path: "m.yaml", text }], policies, readFull);
  if (!r.manifest) throw new Error(JSON.stringify(r.problems));
  return r.manifest;
}

const found = (keys: LiveKey[]): LiveProject => ({
  id: "p",
  found: true,
  name: null,
  status: "active",
  keys,
});

/** Evaluates project p of `m` as `check` does, then lists the waivers it left unused. */
function run(
  keys: LiveKey[],
  m = manifest(),
  opts: {
    noWaivers?: boolean;
    policies?: readonly Policy[];
    matched?: ReadonlyMap<string, DeclaredKey>;
  } = {},
) {
  const setup = policySetup(opts.policies ?? POLICIES, m, {
    now: NOW,
    noWaivers: opts.noWaivers ?? false,
  });
  const { findings, waiversUsed } = evaluateProject(setup, {
    declared: m.projects[0],
    project: found(keys),
    matched: opts.matched ?? new Map(),
  });
  const notes = unusedWaiverNotes(setup.waivers, {
    used: new Set(waiversUsed),
    complete: new Set(["p"]),
  });
  return { findings, notes, waiversUsed };
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
  assertEquals(message(f), "last used 97 days ago; the limit is 90 days: rotate or delete it");
  assertEquals(f.facts, { days: 97, limit: 90 });
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
  const text = findingText({ ...old, remediation: undefined, message: message(old) });
  ok(text.endsWith("(waiver expired on 2026-11-19)"), text);
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
  assertEquals(notes.map((n) => [noteWords(n), n.location.line]), [[
    "waiver for key-expired on p/svc-a matches no finding; remove it if it is no longer needed",
    3,
  ]]);
});

Deno.test("findings carry the entry's location when declared, else the project's", () => {
  const f = run([k({ ownerProjectAccess: "inactive" })]).findings[0];
  assertEquals(f.location, { file: "m.yaml", line: 3, column: 5 });
  const m = manifest("", "", {
    keys: "    keys:\n      - name: svc-a\n        owner: { type: service_account, name: bot }\n",
  });
  const matched = new Map([["k1", m.projects[0].keys[0]]]);
  const g = run([k({ ownerProjectAccess: "inactive" })], m, { matched }).findings[0];
  assertEquals(g.location, { file: "m.yaml", line: 5, column: 9 });
});

Deno.test("a waiver is reported used by the project whose finding it matched, unused only for projects read completely", () => {
  const m = WAIVED("2027-01-01");
  const used = run([k({ expiresAt: NOW_S - DAY })], m);
  assertEquals(used.waiversUsed, m.waivers);
  assertEquals(used.notes, []);
  const unused = run([k({})], m);
  assertEquals(unused.waiversUsed, []);
  assertEquals(unusedWaiverNotes(m.waivers, { used: new Set(), complete: new Set() }), []);
  assertEquals(
    unusedWaiverNotes(m.waivers, { used: new Set(), complete: new Set(["p"]) }).length,
    1,
  );
});

Deno.test("evaluateProject finds nothing in a project that was not found", () => {
  const setup = policySetup(POLICIES, manifest(), { now: NOW, noWaivers: false });
  const gone: LiveProject = { ...found([k({ ownerProjectAccess: "inactive" })]), found: false };
  const r = evaluateProject(setup, {
    declared: manifest().projects[0],
    project: gone,
    matched: new Map(),
  });
  assertEquals(r, { findings: [], waiversUsed: [] });
});

/** True when A and B are the same type (fails type checking otherwise, where it is used). */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true
  : false;

/** A policy that records what it is given: one context per project, one call per key. */
function probe() {
  const contexts: ProjectContext<OptionValues<typeof options>>[] = [];
  const keys: string[] = [];
  const options = {
    limit: { type: "integer", default: 3, minimum: 1, description: "Limit." },
    label: { type: "string", default: "x", description: "Label." },
    strict: { type: "boolean", default: false, description: "Strict." },
  } as const;
  const policy = definePolicy({
    id: "probe",
    summary: "Records its calls",
    defaultSeverity: "warning",
    options,
    rationale: "r",
    source: "s",
    message: "{limit} {label} {strict}",
    forProject: (context) => {
      contexts.push(context);
      const { limit, label, strict } = context.options;
      return (key) => {
        keys.push(key.id);
        return { limit, label: label.toUpperCase(), strict: strict ? "strict" : "lax" };
      };
    },
  });
  return { policy, contexts, keys };
}

Deno.test("definePolicy types each option from its spec: integer as number, string, boolean", () => {
  const { policy } = probe();
  const typed: Same<
    Parameters<typeof policy.forProject>[0]["options"],
    { readonly limit: number; readonly label: string; readonly strict: boolean }
  > = true;
  ok(typed);
  const inline: Same<
    Parameters<typeof multipleKeysPerOwner.forProject>[0]["options"],
    { readonly max: number }
  > = true;
  ok(inline);
});

Deno.test("forProject runs once per project, with the manifest's options over the defaults and the clock", () => {
  const { policy, contexts, keys } = probe();
  const m = manifest("policies:\n  probe: { label: abc }\n", "", { policies: [policy] });
  const setup = policySetup([policy], m, { now: NOW + 999, noWaivers: false });
  const declared = m.projects[0];
  const first = found([k({ id: "a" }), k({ id: "b" })]);
  const second = found([k({ id: "c" })]);
  const one = evaluateProject(setup, { declared, project: first, matched: new Map() });
  evaluateProject(setup, { declared, project: second, matched: new Map() });
  const scope = { kind: "project", id: declared.id };
  assertEquals(contexts.map((c) => [c.scope, c.keys, c.serviceAccountsOnly, c.options, c.now]), [
    [scope, first.keys, false, { limit: 3, label: "abc", strict: false }, NOW_S],
    [scope, second.keys, false, { limit: 3, label: "abc", strict: false }, NOW_S],
  ]);
  assertEquals(keys, ["a", "b", "c"]);
  assertEquals(one.findings.map((f) => message(f, [policy])), ["3 ABC lax", "3 ABC lax"]);
});

Deno.test("policySetup rejects an option value of the wrong type with the policy and option named", () => {
  const m = manifest();
  m.policies.set("key-unused", {
    options: { max_idle_days: "90" },
    location: { file: "m.yaml", line: 1, column: 1 },
  });
  throws(() => policySetup(POLICIES, m, { now: NOW, noWaivers: false }), {
    name: "TypeError",
    message: 'Option "max_idle_days" of policy "key-unused" is "90", not of type integer',
  });
});

Deno.test("per-project work follows each run's options: the same keys under another max or pattern", () => {
  const keys = [
    k({ id: "old", createdAt: NOW_S - 20 * DAY }),
    k({ id: "mid", createdAt: NOW_S - 10 * DAY }),
    k({ id: "new", createdAt: NOW_S - DAY }),
  ];
  const owners = (max: number) =>
    run(
      keys,
      manifest(`policies:\n  multiple-keys-per-owner: { severity: warning, max: ${max} }\n`),
    )
      .findings.map((f) => [f.keyId, message(f)]);
  assertEquals(owners(1).map(([id]) => id), ["old", "mid"]);
  assertEquals(owners(2), [[
    "old",
    'service account "bot" holds 3 keys in this project; the limit is 2: revoke this older one',
  ]]);
  assertEquals(owners(3), []);
  const names = (pattern: string) =>
    run(
      keys,
      manifest(`policies:\n  key-name-pattern: { severity: warning, pattern: '${pattern}' }\n`),
    )
      .findings.map((f) => message(f));
  assertEquals(names("^svc-").length, 0);
  assertEquals(names("^api-"), Array(3).fill('name "svc-a" does not match ^api-: rename the key'));
});
