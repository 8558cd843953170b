import { deepStrictEqual as assertEquals } from "node:assert/strict";
import fc from "fast-check";
import { addCounts, byOrder, type DiffCounts, diffProject } from "../lib/assess/diff.ts";
import { loadManifests } from "../lib/manifest/load.ts";
import { readFull } from "../lib/yaml/full.ts";
import { POLICIES } from "../policies/mod.ts";
import type { DeclaredKey, Drift, LiveKey, LiveProject, Manifest } from "../lib/core/types.ts";
import { live } from "./_helpers.ts";

/** diffProject() over every declared project that has a live state, sorted as the report sorts. */
function diffAll(m: Manifest, state: ReadonlyMap<string, LiveProject>) {
  const drift: Drift[] = [];
  const matched = new Map<string, DeclaredKey>();
  const counts: DiffCounts = { inSync: 0, candidates: 0, ignored: 0, inMissingProjects: 0 };
  for (const declared of m.projects) {
    const project = state.get(declared.id);
    if (!project) continue;
    const d = diffProject(declared, project);
    drift.push(...d.drift);
    addCounts(counts, d.counts);
    for (const [k, v] of d.matched) matched.set(k, v);
  }
  drift.sort(byOrder);
  return { drift, matched, counts };
}

function manifest(keysYaml: string, extra = ""): Manifest {
  const text = `version: 1\nprojects:\n  - id: p\n${extra}    keys:\n${keysYaml}`;
  const r = loadManifests([{ path: "m.yaml", text }], POLICIES, readFull);
  if (!r.manifest) throw new Error(JSON.stringify(r.problems));
  return r.manifest;
}

const project = (keys: LiveKey[], over: Partial<LiveProject> = {}): Map<string, LiveProject> =>
  new Map([["p", { id: "p", found: true, name: "n", status: "active", keys, ...over }]]);

const entry = (name: string, owner: string, type = "user", more = "") =>
  `      - name: ${name}\n${more}        owner: { type: ${type}, name: ${owner} }\n`;

const kinds = (m: Manifest, l: Map<string, LiveProject>) =>
  diffAll(m, l).drift.map((
    d,
  ) => [
    d.kind,
    d.keyName,
    d.keyId,
    d.changes.map((c) => `${c.path}:${c.expected}->${c.actual}`).join(","),
  ]);

Deno.test("diffProject() reports nothing when every key matches by name and owner", () => {
  const d = diffAll(
    manifest(entry("a", "ana") + entry("b", "bot", "service_account")),
    project([live("k1", "a", "ana"), live("k2", "b", "bot", "service_account")]),
  );
  assertEquals(d.drift, []);
  assertEquals(d.counts.inSync, 2);
});

Deno.test("diffProject() reports a key missing from the live state", () => {
  assertEquals(kinds(manifest(entry("a", "ana")), project([])), [["missing", "a", null, ""]]);
});

Deno.test("diffProject() reports unexpected keys with the project's unmanaged level, and ignore counts them silently", () => {
  const d = diffAll(
    manifest("      []\n", "    unmanaged: warning\n"),
    project([live("k1", "x", "ana")]),
  );
  assertEquals(d.drift.map((x) => [x.kind, x.severity, x.keyId]), [[
    "unexpected",
    "warning",
    "k1",
  ]]);
  const ig = diffAll(
    manifest("      []\n", "    unmanaged: ignore\n"),
    project([live("k1", "x", "ana")]),
  );
  assertEquals([ig.drift, ig.counts.ignored], [[], 1]);
});

Deno.test("diffProject() matches a pinned id and compares its name", () => {
  assertEquals(
    kinds(
      manifest(entry("a", "ana", "user", "        id: k9\n")),
      project([live("k9", "renamed", "ana")]),
    ),
    [["changed", "a", "k9", "name:a->renamed"]],
  );
});

Deno.test("diffProject() reports a pinned id the live state lacks as missing, and the name twin as unexpected", () => {
  assertEquals(
    kinds(
      manifest(entry("a", "ana", "user", "        id: k9\n")),
      project([live("k1", "a", "ana")]),
    ),
    [["unexpected", "a", "k1", ""], ["missing", "a", "k9", ""]],
  );
});

Deno.test("diffProject() narrows a shared name by owner", () => {
  const m = manifest(entry("deploy", "ana") + entry("deploy", "ben"));
  assertEquals(kinds(m, project([live("k1", "deploy", "ben"), live("k2", "deploy", "ana")])), []);
});

Deno.test("diffProject() reports ambiguous with candidates and does not also call them unexpected", () => {
  const d = diffAll(
    manifest(entry("deploy", "cleo")),
    project([live("k1", "deploy", "ben"), live("k2", "deploy", "ana")]),
  );
  assertEquals(d.drift.map((x) => [x.kind, x.candidates?.map((c) => c.id)]), [["ambiguous", [
    "k1",
    "k2",
  ]]]);
  assertEquals(d.counts.candidates, 2);
});

Deno.test("diffProject() decides ambiguity after narrowing by owner: two of Ana's keys are ambiguous, Ben's is unexpected", () => {
  const d = diffAll(
    manifest(entry("deploy", "ana")),
    project([
      live("k1", "deploy", "ana"),
      live("k2", "deploy", "ben"),
      live("k3", "deploy", "ana"),
    ]),
  );
  assertEquals(d.drift.map((x) => [x.kind, x.keyId, x.candidates?.map((c) => c.id)]), [
    ["ambiguous", null, ["k1", "k3"]],
    ["unexpected", "k2", undefined],
  ]);
  assertEquals(d.counts.candidates, 2);
});

for (const [field, value] of [["id", "id-ana-2"], ["email", "a2@x.test"]]) {
  Deno.test(`diffProject() narrows same-named keys of one owner name by the declared owner.${field}`, () => {
    const m = manifest(
      `      - name: deploy\n        owner: { type: user, name: ana, ${field}: ${value} }\n`,
    );
    const d = diffAll(
      m,
      project([
        live("k1", "deploy", "ana"),
        live("k2", "deploy", "ana", "user", {
          owner: { type: "user", id: "id-ana-2", name: "ana", email: "a2@x.test", role: "member" },
        }),
      ]),
    );
    assertEquals(d.drift.map((x) => [x.kind, x.keyId]), [["unexpected", "k1"]]);
    assertEquals(d.counts.inSync, 1);
  });
}

Deno.test("diffProject() reports a key moved to another owner as changed, one change per path", () => {
  const m = manifest(
    "      - name: a\n        owner: { type: user, name: ana, email: ana@x.test, role: owner }\n",
  );
  assertEquals(kinds(m, project([live("k1", "a", "bot", "service_account")])), [[
    "changed",
    "a",
    "k1",
    "owner.type:user->service_account,owner.name:ana->bot,owner.email:ana@x.test->null,owner.role:owner->member",
  ]]);
});

Deno.test("diffProject() finds one declared key among 250 live keys and counts the other 249 as ignored", () => {
  const keys = Array.from(
    { length: 250 },
    (_, i) => live(`k${i}`, `n${i}`, "bot", "service_account"),
  );
  const d = diffAll(
    manifest(entry("n240", "bot", "service_account"), "    unmanaged: ignore\n"),
    project(keys),
  );
  assertEquals([d.drift, d.counts.inSync, d.counts.ignored], [[], 1, 249]);
});

Deno.test("diffProject() reports project drift: missing (keys not one by one), archived, renamed", () => {
  assertEquals(kinds(manifest(entry("a", "ana")), project([], { found: false })), [[
    "project_missing",
    null,
    null,
    "",
  ]]);
  const m = manifest(entry("a", "ana"), "    name: old\n");
  assertEquals(kinds(m, project([live("k", "a", "ana")], { status: "archived", name: "new" })), [[
    "project_changed",
    null,
    null,
    "status:active->archived,name:old->new",
  ]]);
});

Deno.test("diffProject() accounts for every live key and every declared entry exactly once, sorted by key name (property)", () => {
  const names = fc.constantFrom("a", "b", "c", "d");
  const owners = fc.constantFrom("ana", "ben", "bot");
  fc.assert(
    fc.property(
      fc.array(fc.tuple(names, owners), { maxLength: 12 }),
      fc.array(fc.tuple(names, owners, fc.boolean()), { maxLength: 8 }),
      (liveKeys, entries) => {
        const keys = liveKeys.map(([n, o], i) => live(`k${i}`, n, o));
        const yaml = entries.length
          ? entries.map(([n, o, pin], i) =>
            entry(n, o, "user", pin && i < keys.length ? `        id: k${i}\n` : "")
          ).join("")
          : "      []\n";
        const d = diffAll(manifest(yaml), project(keys));
        const count = (k: string) => d.drift.filter((x) => x.kind === k).length;
        const liveOk =
          d.counts.inSync + count("changed") + d.counts.candidates + count("unexpected") ===
            keys.length;
        const declaredOk =
          d.counts.inSync + count("changed") + count("ambiguous") + count("missing") ===
            entries.length;
        const sorted = d.drift.every((x, i, a) =>
          i === 0 || (a[i - 1].keyName ?? "") <= (x.keyName ?? "")
        );
        return liveOk && declaredOk && sorted;
      },
    ),
    { numRuns: Number(Deno.env.get("KEYDRIFT_FUZZ_RUNS") ?? 500) },
  );
});
