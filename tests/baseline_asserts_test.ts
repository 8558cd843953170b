/**
 * A baseline entry covers everything its item asserts (issue 19 follow-up, H1): an ambiguous
 * item's candidates, a changed key's or project's changes, a finding's facts that are not
 * measures. Later, different drift of the same kind is a new item: it fails the run. End to end,
 * in-process, against the fake seeded from the example organisation.
 */
import { deepStrictEqual as assertEquals, notDeepStrictEqual, ok } from "node:assert/strict";
import { CHECK_FAKE, readExample, runCli } from "./_helpers.ts";
import { assertsOf } from "../lib/enrich/fingerprint.ts";
import type { Finding } from "../lib/core/types.ts";

const MANIFEST = readExample("keydrift.yaml");
const STATE = readExample("state.yaml");
const BASELINE = ["baseline", "-m", "keydrift.yaml", "--fake", "state.yaml", "-o", "b.json"];

type Item = { baselined: boolean; kind?: string; key_name: string | null; project_id: string };

async function recorded(): Promise<string> {
  const r = await runCli(BASELINE, { files: { "keydrift.yaml": MANIFEST, "state.yaml": STATE } });
  assertEquals(r.code, 0, r.stderr);
  return r.files.get("b.json")!;
}

/** `check --baseline` against `state`: the exit code and the drift items the baseline did not hide. */
async function checkAgainst(state: string, baseline: string) {
  const r = await runCli([...CHECK_FAKE, "--baseline", "b.json", "--format", "json=r.json"], {
    files: { "keydrift.yaml": MANIFEST, "state.yaml": state, "b.json": baseline },
  });
  const json = JSON.parse(r.files.get("r.json")!);
  const open = (json.drift as Item[]).filter((d) => !d.baselined)
    .map((d) => `${d.kind} ${d.project_id} ${d.key_name ?? ""}`.trim());
  return { code: r.code, open, stderr: r.stderr };
}

/** Replaces `from` in the example state, which must hold it. */
function edited(from: string, to: string): string {
  ok(STATE.includes(from), from);
  return STATE.replace(from, to);
}

const DEPLOY_BEN = "      - id: key_deploy_ben\n";
const CASES: [string, string, string][] = [
  [
    "an ambiguous entry that gains a candidate",
    edited(
      DEPLOY_BEN,
      `      - id: key_deploy_mallory
        name: deploy
        owner: user-ben
        created_at: -1d
${DEPLOY_BEN}`,
    ),
    "ambiguous proj_payments deploy",
  ],
  [
    "an ambiguous entry whose candidates are replaced by as many others",
    edited("id: key_deploy_ben\n", "id: key_evil_1\n").replace(
      "id: key_deploy_ana\n",
      "id: key_evil_2\n",
    ),
    "ambiguous proj_payments deploy",
  ],
  [
    "a changed key whose owner changes again",
    edited("name: indexer-v2,", "name: mallory-bot,"),
    "changed proj_search indexer",
  ],
  [
    "an archived project that is renamed too",
    edited("    name: legacy\n    status: archived\n", "    name: pwned\n    status: archived\n"),
    "project_changed proj_legacy",
  ],
];

for (const [what, state, item] of CASES) {
  Deno.test(`check --baseline: ${what} is new drift (exit 2), not hidden by the entry for the old one`, async () => {
    const baseline = await recorded();
    const same = await checkAgainst(STATE, baseline);
    assertEquals([same.code, same.open], [0, []], same.stderr);
    const r = await checkAgainst(state, baseline);
    assertEquals(r.code, 2, r.stderr);
    assertEquals(r.open, [item]);
  });
}

Deno.test("a finding's identity covers its facts that are not measures: the owner changes it, the days do not", () => {
  const finding = (facts: Finding["facts"]): Finding => ({
    policy: "owner-lost-access",
    severity: "error",
    projectId: "proj_a",
    keyId: "key_1",
    keyName: "ci",
    facts,
    waived: false,
    waiver: null,
    location: null,
  });
  const carl = { owner_type: "user", owner_name: "Carl", owner_email: "carl@x.test" };
  assertEquals(
    assertsOf(finding({ ...carl, days: 120 })),
    assertsOf(finding({ ...carl, days: 121 })),
  );
  notDeepStrictEqual(
    assertsOf(finding(carl)),
    assertsOf(finding({ ...carl, owner_name: "Mallory" })),
  );
  assertEquals(assertsOf(finding({ days: 120, limit: 90 })), null);
});

Deno.test("a format 2 baseline (identities without what an item asserts) is refused, located, with how to rewrite it", async () => {
  const format2 = (await recorded()).replace('"keydrift_baseline": 3', '"keydrift_baseline": 2');
  const r = await runCli([...CHECK_FAKE, "--baseline", "b.json"], {
    files: { "keydrift.yaml": MANIFEST, "state.yaml": STATE, "b.json": format2 },
  });
  assertEquals(r.code, 1);
  ok(
    r.stderr.includes(
      "b.json:2:3: this baseline is format 2, whose entries leave out what an item asserts " +
        "(its candidates, its changes), so later drift of the same kind would pass as known, and " +
        "keydrift no longer reads it; review the drift (keydrift check without --baseline), " +
        "then rewrite the file with keydrift baseline --force -o b.json",
    ),
    r.stderr,
  );
});
