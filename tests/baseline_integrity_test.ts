/**
 * Baselines an attacker cannot forge (issue 19): an entry hides an item only when its recorded
 * identity and its fingerprint are both the item's; waived findings are never recorded; format 1
 * files and files with two entries for one fingerprint are refused. End to end, in-process,
 * against the fake seeded from the example organisation.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { CHECK_FAKE, readExample, runCli } from "./_helpers.ts";
import { type BaselineEntry, parseBaseline, serializeBaseline } from "../lib/enrich/baseline.ts";

const MANIFEST = readExample("keydrift.yaml");
const STATE = readExample("state.yaml");
const BASELINE = ["baseline", "-m", "keydrift.yaml", "--fake", "state.yaml", "-o", "b.json"];

/** The example state with a key added to proj_payments after the baseline was recorded. */
const WITH_NEW_KEY = STATE.replace(
  "      - id: key_refunds_01\n",
  `      - id: key_surprise_01
        name: surprise
        owner: user-ben
        created_at: -2d
        last_used_at: -1d
      - id: key_refunds_01
`,
);

type Item = { baselined: boolean; waived?: boolean; key_id: string; kind?: string };

async function recorded(manifest = MANIFEST, extra: string[] = []): Promise<string> {
  const r = await runCli([...BASELINE, ...extra], {
    files: { "keydrift.yaml": manifest, "state.yaml": STATE },
  });
  assertEquals(r.code, 0, r.stderr);
  return r.files.get("b.json")!;
}

async function check(
  o: { state?: string; baseline: string; manifest?: string; now?: number; args?: string[] },
) {
  const r = await runCli([
    ...CHECK_FAKE,
    "--baseline",
    "b.json",
    "--format",
    "json=r.json",
    ...(o.args ?? []),
  ], {
    files: {
      "keydrift.yaml": o.manifest ?? MANIFEST,
      "state.yaml": o.state ?? STATE,
      "b.json": o.baseline,
    },
    now: o.now,
  });
  const json = r.files.has("r.json") ? JSON.parse(r.files.get("r.json")!) : null;
  const open = json
    ? [...json.drift, ...json.findings].filter((x: Item) => !x.baselined && !x.waived)
    : [];
  return { ...r, json, open: open.map((x: Item) => x.key_id) };
}

/** The SARIF fingerprint a run without the baseline shows for the new key (what anyone can read). */
async function newKeyFingerprint(): Promise<string> {
  const r = await runCli([...CHECK_FAKE, "--format", "sarif=r.sarif"], {
    files: { "keydrift.yaml": MANIFEST, "state.yaml": WITH_NEW_KEY },
  });
  const results = JSON.parse(r.files.get("r.sarif")!).runs[0].results;
  const hit = results.filter((x: { ruleId: string; message: { text: string } }) =>
    x.ruleId === "drift/unexpected" && x.message.text.includes("key_surprise_01")
  );
  assertEquals(hit.length, 1);
  return hit[0].partialFingerprints["keydrift/v2"];
}

/** A baseline file of `entries`, as `keydrift baseline` writes one. */
function written(entries: BaselineEntry[]): string {
  return serializeBaseline(entries, { version: "0.0.0", created: "2026-11-20" });
}

Deno.test("an entry that reads as another project's harmless key, with a new key's fingerprint, hides nothing: exit 2, stated in every format", async () => {
  const file = await recorded();
  const entries = parseBaseline("b.json", file).entries;
  const forged: BaselineEntry = {
    ...entries[0],
    fingerprint: await newKeyFingerprint(),
    rule: "drift/unexpected",
    project_id: "proj_other",
    key_id: "key_harmless",
    key_name: "harmless",
    owner: { type: "user", id: "user-x" },
    occurrence: 1,
    summary: 'key "harmless" (key_harmless) in proj_other is not in the manifest',
  };
  const r = await check({
    state: WITH_NEW_KEY,
    baseline: written([...entries, forged]),
    args: [
      "--format",
      "text",
      "--format",
      "markdown=r.md",
      "--format",
      "sarif=r.sarif",
      "--format",
      "github=r.gh",
    ],
  });
  assertEquals(r.code, 2, r.stderr);
  assertEquals(r.open, ["key_surprise_01"]);
  const [m, ...more] = r.json.baseline_mismatched;
  assertEquals(more, []);
  assertEquals(m.matched_by, "fingerprint");
  assertEquals(m.entry.project_id, "proj_other");
  assertEquals([m.item.key_id, m.item.fingerprint], ["key_surprise_01", forged.fingerprint]);
  const line = r.files.get("b.json")!.split("\n").findIndex((l) => l.includes("key_harmless"));
  assertEquals(m.location, { file: "b.json", line: line + 1, column: 5 });
  const said = `b.json:${line + 1}:5: baseline entry has the fingerprint of drift/unexpected, ` +
    `key "surprise" (key_surprise_01), project proj_payments, owner user user-ben but records ` +
    `drift/unexpected, key "harmless" (key_harmless), project proj_other`;
  ok(r.stdout.includes(said), r.stdout);
  ok(/1 baseline entry not applied: it shares an item's fingerprint or identity/.test(r.stderr));
  ok(r.files.get("r.md")!.includes("**1 entry not applied**"), r.files.get("r.md"));
  ok(r.files.get("r.md")!.includes("Baseline entries not applied"));
  const notes = JSON.parse(r.files.get("r.sarif")!).runs[0].invocations[0]
    .toolExecutionNotifications;
  ok(notes.some((n: { message: { text: string } }) => n.message.text.startsWith(said)));
  ok(r.files.get("r.gh")!.includes("; 1 baseline entry not applied (fingerprint or identity"));
});

Deno.test("baseline --prune drops an entry of a checked project that shares only a fingerprint with an item", async () => {
  const file = await recorded();
  const entries = parseBaseline("b.json", file).entries;
  const payments = entries.find((e) => e.project_id === "proj_payments")!;
  const forged = { ...payments, fingerprint: await newKeyFingerprint(), key_id: "key_gone" };
  const r = await runCli([...BASELINE, "--prune"], {
    files: {
      "keydrift.yaml": MANIFEST,
      "state.yaml": WITH_NEW_KEY,
      "b.json": written([...entries, forged]),
    },
  });
  assertEquals(r.code, 0, r.stderr);
  assertEquals(parseBaseline("b.json", r.files.get("b.json")!).entries, entries);
});

Deno.test("a fingerprint collision with a baselined item hides only the item the entry records", async () => {
  // What a second preimage of the fingerprint would give: the entry recording old-ci's unexpected
  // key carries the new key's fingerprint. Neither item matches it by both: neither is hidden.
  const file = await recorded();
  const fingerprint = await newKeyFingerprint();
  const entries = parseBaseline("b.json", file).entries.map((e) =>
    e.key_id === "key_old_ci_carl" && e.rule === "drift/unexpected" ? { ...e, fingerprint } : e
  );
  const r = await check({ state: WITH_NEW_KEY, baseline: written(entries) });
  assertEquals(r.code, 2, r.stderr);
  assertEquals(r.open, ["key_old_ci_carl", "key_surprise_01"]);
  assertEquals(
    r.json.baseline_mismatched.map((m: { matched_by: string; item: { key_id: string } }) => [
      m.matched_by,
      m.item.key_id,
    ]).sort(),
    [["fingerprint", "key_surprise_01"], ["identity", "key_old_ci_carl"]],
  );
  assertEquals(r.json.baseline_resolved, [], "a mismatched entry is not resolved");
});

/** The example manifest with ana-laptop's key-unused waiver ending on 2026-11-30. */
const SHORT_WAIVER = MANIFEST.replace("expires: 2099-01-15", "expires: 2026-11-30");
const AFTER_WAIVER = Date.UTC(2026, 11, 1);

Deno.test("baseline does not record a waived finding, and check --baseline exits 2 once its waiver has expired", async () => {
  ok(SHORT_WAIVER !== MANIFEST);
  const file = await recorded(SHORT_WAIVER);
  const entries = parseBaseline("b.json", file).entries;
  ok(!entries.some((e) => e.rule === "policy/key-unused" && e.key_id === "key_ana_laptop_01"));
  ok(
    entries.some((e) => e.rule === "policy/key-expired"),
    "an expired waiver's finding is recorded",
  );
  // key-unused is a warning: --fail-on warning makes it fail the run.
  const args = ["--fail-on", "warning"];
  const during = await check({ manifest: SHORT_WAIVER, baseline: file, args });
  assertEquals(during.code, 0, during.stderr);
  const after = await check({ manifest: SHORT_WAIVER, baseline: file, now: AFTER_WAIVER, args });
  assertEquals(after.code, 2, after.stderr);
  assertEquals(after.open, ["key_ana_laptop_01"]);
  const f = after.json.findings.find((x: { key_id: string }) => x.key_id === "key_ana_laptop_01");
  assertEquals([f.policy, f.waived, f.waiver.state], ["key-unused", false, "expired"]);
});

Deno.test("baseline --no-waivers records waived findings as if no waiver existed: they stay accepted after it expires", async () => {
  const plain = parseBaseline("b.json", await recorded(SHORT_WAIVER)).entries;
  const file = await recorded(SHORT_WAIVER, ["--no-waivers"]);
  const all = parseBaseline("b.json", file).entries;
  assertEquals(
    all.filter((e) => !plain.some((p) => p.fingerprint === e.fingerprint))
      .map((e) => [e.rule, e.key_id]),
    [["policy/key-unused", "key_ana_laptop_01"]],
  );
  const args = ["--fail-on", "warning"];
  const after = await check({ manifest: SHORT_WAIVER, baseline: file, now: AFTER_WAIVER, args });
  assertEquals(after.code, 0, after.stderr);
  const help = await runCli(["baseline", "--help"]);
  ok(
    help.stdout.includes("--no-waivers        ignore the manifest's waivers: record the findings"),
  );
  ok(help.stdout.includes("Waived findings are not recorded"), help.stdout);
});

/** A file as keydrift wrote it before issue 19: format 1, 64-bit FNV-1a fingerprints. */
const FORMAT_1 = `{
  "keydrift_baseline": 1,
  "tool": {"name":"keydrift","version":"0.14.0"},
  "created": "2026-11-01",
  "entries": [
    {"fingerprint":"1b5e9c3a0f7d2e48","rule":"drift/unexpected","project_id":"proj_payments","key_id":"key_old_ci_carl","key_name":"old-ci","summary":"key \\"old-ci\\" (key_old_ci_carl) in proj_payments is not in the manifest","recorded":"2026-11-01","tool_version":"0.14.0"}
  ]
}
`;

Deno.test("a format 1 baseline (FNV fingerprints) is refused, located, with how to rewrite it: exit 1, reports written", async () => {
  const r = await check({ baseline: FORMAT_1 });
  assertEquals(r.code, 1);
  ok(
    r.stderr.includes(
      "b.json:2:3: this baseline is format 1, whose 64-bit fingerprints a chosen key name can " +
        "match, and keydrift no longer reads it; review the drift (keydrift check without " +
        "--baseline), then rewrite the file with keydrift baseline --force -o b.json",
    ),
    r.stderr,
  );
  assertEquals(r.json.status, "error");
  const prune = await runCli([...BASELINE, "--prune"], {
    files: { "keydrift.yaml": MANIFEST, "state.yaml": STATE, "b.json": FORMAT_1 },
  });
  assertEquals(prune.code, 1);
  ok(prune.stderr.includes("b.json:2:3: this baseline is format 1"), prune.stderr);
  assertEquals(prune.files.get("b.json"), FORMAT_1, "left as it was");
});

Deno.test("two baseline entries with one fingerprint, or for one item, are refused, naming both", async () => {
  const file = await recorded();
  const lines = file.split("\n");
  const first = lines.findIndex((l) => l.startsWith("    {"));
  const entry = JSON.parse(lines[first].replace(/,$/, "")) as BaselineEntry;
  const twice = (other: BaselineEntry) =>
    [...lines.slice(0, first + 1), `    ${JSON.stringify(other)},`, ...lines.slice(first + 1)]
      .join("\n");
  const fp = `"${entry.fingerprint}" is listed twice (entries 1 and 2)`;
  const cases: [string, BaselineEntry, string][] = [
    ["the same entry twice", entry, fp],
    ["one fingerprint, another item", { ...entry, key_id: "key_other", key_name: "x" }, fp],
    ["one item, another fingerprint", { ...entry, fingerprint: "0".repeat(64) }, "as entry 1"],
  ];
  for (const [what, other, said] of cases) {
    const r = await check({ baseline: twice(other) });
    assertEquals(r.code, 1, what);
    ok(r.stderr.includes(`b.json:${first + 2}:5: baseline entry 2: `), `${what}: ${r.stderr}`);
    ok(r.stderr.includes(said), `${what}: ${r.stderr}`);
    assertEquals(r.json.status, "error", what);
  }
});

Deno.test("SARIF and Code Quality fingerprints are the baseline's: unique, the same on every run, changed only by identity", async () => {
  const run = async (manifest: string, state: string) => {
    const r = await runCli([
      ...CHECK_FAKE,
      "--format",
      "sarif=r.sarif",
      "--format",
      "codeclimate=r.cc",
    ], {
      files: { "keydrift.yaml": manifest, "state.yaml": state },
    });
    const sarif = JSON.parse(r.files.get("r.sarif")!).runs[0].results.map((
      x: { partialFingerprints: Record<string, string>; message: { text: string } },
    ) => [x.message.text, x.partialFingerprints["keydrift/v2"]]);
    const cc = JSON.parse(r.files.get("r.cc")!).map((x: { fingerprint: string }) => x.fingerprint);
    return { sarif: new Map<string, string>(sarif), fps: sarif.map((x: string[]) => x[1]), cc };
  };
  const a = await run(MANIFEST, STATE);
  ok(a.fps.every((f: string) => /^[0-9a-f]{64}$/.test(f)));
  assertEquals(new Set(a.fps).size, a.fps.length, "unique");
  ok(a.cc.every((f: string) => a.fps.includes(f)), "Code Quality's are SARIF's");
  assertEquals(await run(MANIFEST, STATE), a, "the same on the next run");
  const recordedFps = parseBaseline("b.json", await recorded()).entries.map((e) => e.fingerprint);
  ok(recordedFps.every((f) => a.fps.includes(f)), "the baseline's are SARIF's");
  // Lines move: nothing changes. A key is renamed: only its own items change.
  const moved = await run("# a comment\n\n" + MANIFEST, STATE);
  assertEquals(moved.fps, a.fps);
  const renamed = await run(MANIFEST, STATE.replace("name: old-ci\n", "name: older-ci\n"));
  const changed = [...a.sarif].filter(([text, fp]) => renamed.sarif.get(text) !== fp);
  ok(changed.length >= 1 && changed.every(([text]) => text.includes('"old-ci"')), `${changed}`);
  ok(changed.every(([, fp]) => !renamed.fps.includes(fp)));
  assertEquals(renamed.fps.length, a.fps.length);
});
