/**
 * Issue 22, "Done when": `check --usage` through the CLI against the fake (whose usage and costs
 * answers follow the spec: tests/fake_api_usage_test.ts validates them against its schemas). A key
 * used through any family is never called unused; a failed or short usage read says "unknown"; a
 * zero that `last_used_at` contradicts is "inconsistent"; the JSON report carries requests per
 * family and spend per key, and every report for people states the undeclared keys' spend. None of
 * it changes drift or the exit code.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { CHECK_FAKE, runCli } from "./_helpers.ts";
import { USAGE_FAMILIES, type UsageFamily } from "../lib/core/types.ts";

const MANIFEST = `version: 1
policies:
  key-unused: { severity: warning, max_idle_days: 90 }
projects:
  - id: proj_a
    keys:
      - name: declared
        owner: { type: user, name: Ana }
`;

/**
 * proj_a: \`declared\` (last used 200 days ago: key-unused) and the undeclared \`x\` (last used an hour
 * ago), each with \`usage\` (state-file records); \`faults\` appended as given.
 */
function state(o: { declared?: string; x?: string; y?: string; faults?: string } = {}): string {
  const key = (id: string, lastUsed: string, usage?: string) =>
    `      - { id: ${id}, name: ${
      id.slice(4)
    }, owner: user-ana, created_at: -50d, last_used_at: ${lastUsed}${
      usage ? `, usage: [${usage}]` : ""
    } }\n`;
  return `users:
  - { id: user-ana, name: Ana, email: ana@example.test, created_at: -700d }
projects:
  - id: proj_a
    name: a
    members: [{ user: user-ana, role: owner }]
    keys:
${key("key_declared", "-200d", o.declared)}${key("key_x", "-1h", o.x)}${
    o.y === undefined ? "" : key("key_y", "-300d", o.y)
  }${o.faults ? `faults:\n${o.faults}` : ""}`;
}

async function check(st: string, flags: string[] = ["--usage", "7"], format = "json") {
  const r = await runCli([...CHECK_FAKE, ...flags, "--format", format], {
    files: { "keydrift.yaml": MANIFEST, "state.yaml": st },
  });
  return r;
}

type Item = Record<string, unknown> & { key_id: string; usage?: Record<string, unknown> | null };

/** An item's fix: its action, and why it stands in for the item's own remedy. */
const fix = (i: Item) => {
  const r = i.remediation as { action: string; instead_of?: { because: string } };
  return [r.action, r.instead_of?.because];
};

async function report(st: string, flags?: string[]) {
  const r = await check(st, flags);
  const rep = JSON.parse(r.stdout) as { drift: Item[]; findings: Item[] } & Record<string, unknown>;
  return {
    r,
    rep,
    x: rep.drift.find((d) => d.key_id === "key_x")!,
    declared: rep.findings.find((f) => f.key_id === "key_declared")!,
  };
}

for (const family of USAGE_FAMILIES.filter((f) => f !== "completions")) {
  Deno.test(`a key used only through ${family} is used, never unused: requests per family in JSON, and no "not used" in text`, async () => {
    const use = `{ day: -1d, endpoint: ${family}, requests: 5000, cost: 2.5 }`;
    const st = state({ declared: use, x: use });
    const { r, x, declared } = await report(st);
    assertEquals(r.code, 2);
    assertEquals(x.usage?.by_family, { [family]: 5000 });
    assertEquals([x.usage?.requests, x.usage?.complete, x.usage_verdict], [5000, true, "used"]);
    // key-unused judged last_used_at (200 days ago); the usage API says otherwise, and says so.
    assertEquals(declared.policy, "key-unused");
    assertEquals(declared.usage_verdict, "used");
    assertEquals(
      declared.usage_note,
      `the usage API counts 5,000 requests (${family} 5,000) in the last 7 days, which contradicts last_used_at`,
    );
    const text = (await check(st, ["--usage", "7"], "text")).stdout;
    ok(!/not used|unused in|never used in/.test(text.replace(/key-unused/g, "")), text);
    ok(text.includes(`used 5,000 times in the last 7 days (${family} 5,000)`), text);
  });
}

Deno.test("a key used in several families sums them, and lists each family that had use", async () => {
  const uses = (["completions", "embeddings", "web_search_calls"] as UsageFamily[])
    .map((f, i) => `{ day: -${i + 1}d, endpoint: ${f}, requests: ${10 ** i} }`).join(", ");
  const { x } = await report(state({ x: uses }));
  assertEquals(x.usage?.by_family, { completions: 1, embeddings: 10, web_search_calls: 100 });
  assertEquals(x.usage?.requests, 111);
});

Deno.test("a usage family that fails makes the figure unknown (complete false, a lower bound), never zero; drift and the exit code stand", async () => {
  const faults = "  - { on: usage, family: embeddings, kind: status, status: 500 }\n";
  const used = "{ day: -1d, endpoint: completions, requests: 7 }";
  const st = state({ x: used, faults });
  const plain = await report(state({ x: used }), []);
  const { r, rep, x, declared } = await report(st);
  // x has completions use: used, at least 7.
  assertEquals([x.usage?.requests, x.usage?.complete, x.usage_verdict], [7, false, "used"]);
  assertEquals(x.usage?.unknown_families, ["embeddings"]);
  ok(/^embeddings: .*answered 500/.test(x.usage_error as string), x.usage_error as string);
  // declared reads zero in the families read: unknown, not unused.
  assertEquals([declared.usage?.requests, declared.usage_verdict], [0, "unknown"]);
  // The fixes read the verdict: the key in use keeps its delete; the unknown one is not deleted.
  assertEquals(fix(x), ["delete_key", undefined]);
  assertEquals(fix(declared), ["edit_manifest", "use_unknown"]);
  assertEquals(
    (rep.enrichment as { usage: { incomplete: unknown[] } }).usage.incomplete.length,
    1,
  );
  assertEquals([r.code, rep.status, rep.summary], [2, plain.rep.status, plain.rep.summary]);
  assertEquals(rep.drift.map((d) => d.kind), plain.rep.drift.map((d) => d.kind));
  const text = await check(st, ["--usage", "7"], "text");
  ok(
    text.stdout.includes(
      "used at least 7 times in the last 7 days (completions 7); usage incomplete: embeddings:",
    ),
    text.stdout,
  );
  ok(
    text.stdout.includes(
      "usage unknown: no request counted in the last 7 days in the families read, but embeddings:",
    ),
    text.stdout,
  );
  ok(!text.stdout.includes("not used"), text.stdout);
  ok(text.stderr.includes("usage incomplete (embeddings:"), text.stderr);
});

Deno.test("a usage answer short of the window (a day's bucket missing) says unknown, never zero", async () => {
  const faults = "  - { on: usage, family: completions, kind: missing_bucket }\n";
  const { x, declared } = await report(state({ faults }));
  for (const k of [x, declared]) {
    assertEquals([k.usage?.complete, k.usage_verdict], [false, "unknown"]);
    ok(/^completions: .*has no bucket for/.test(k.usage_error as string), k.usage_error as string);
  }
});

Deno.test("every usage read refused: usage null with why, unknown; the status line says usage is unavailable", async () => {
  const faults = "  - { on: usage, kind: status, status: 403 }\n";
  const { r, x, rep } = await report(state({ faults }));
  assertEquals([x.usage, x.usage_verdict], [null, "unknown"]);
  ok(/permission denied/.test(x.usage_error as string), x.usage_error as string);
  ok(/permission denied/.test((rep.enrichment as { usage: { error: string } }).usage.error));
  assertEquals(r.code, 2);
  ok(r.stderr.includes("usage unavailable (completions, embeddings,"), r.stderr);
});

Deno.test("a key whose last_used_at falls in the window but whose usage reads zero is inconsistent, not unused", async () => {
  const { x } = await report(state());
  assertEquals([x.usage?.requests, x.usage?.complete, x.usage_verdict], [0, true, "inconsistent"]);
  assertEquals(fix(x), ["edit_manifest", "use_inconsistent"]);
  ok(
    (x.usage_note as string).startsWith(
      "usage inconsistent: no usage family counts a request in the last 7 days, but its last_used_at is 2026-11-19",
    ),
    x.usage_note as string,
  );
  const text = (await check(state(), ["--usage", "7"], "text")).stdout;
  const line = text.split("\n").find((l) => l.includes("[key_x]"))!;
  ok(line.includes("usage inconsistent:"), text);
  ok(!line.includes("not used"), text);
});

Deno.test("a key with no request in any family, read whole, and no last_used_at or spend in the window is unused", async () => {
  const { declared } = await report(state());
  assertEquals([declared.usage?.requests, declared.usage?.complete, declared.usage_verdict], [
    0,
    true,
    "unused",
  ]);
  assertEquals(fix(declared), ["delete_key", undefined]);
  const text = (await check(state(), ["--usage", "7"], "text")).stdout;
  ok(text.includes("not used in the last 7 days in any usage family; spent $0.00"), text);
});

Deno.test("spend per key: JSON cost_usd per key, unexpected keys by spend largest first in text and markdown, the undeclared spend in the summary, JSON and SARIF", async () => {
  const st = state({
    x: "{ day: -1d, requests: 3, cost: 0.1 }, { day: -2d, requests: 3, cost: 0.2 }",
    y: "{ day: -1d, endpoint: images, requests: 2, cost: 40.05 }",
    declared: "{ day: -1d, requests: 1, cost: 1000 }",
  });
  const { rep } = await report(st);
  const y = rep.drift.find((d) => d.key_id === "key_y")!;
  const x = rep.drift.find((d) => d.key_id === "key_x")!;
  // 0.1 + 0.2 is 0.30000000000000004 in floating point; summed in nano-units it is 0.3.
  assertEquals([x.usage?.cost_usd, y.usage?.cost_usd], [0.3, 40.05]);
  assertEquals((rep.enrichment as { usage: unknown }).usage, {
    days: 7,
    error: null,
    incomplete: [],
    unexpected_spend: { cost_usd: 40.35, keys: 2, unknown_keys: 0 },
  });
  const text = (await check(st, ["--usage", "7"], "text")).stdout;
  const list = text.slice(
    text.indexOf("Undeclared spend: $40.35 in the last 7 days (2 keys), largest first:"),
  );
  ok(list.length < text.length, text);
  ok(
    /\$40\.05 {2}key "y" \[key_y\] in proj_a\n {2}\$0\.30 {2}key "x" \[key_x\] in proj_a/.test(
      list,
    ),
    list,
  );
  ok(text.includes("· Undeclared spend: $40.35 in the last 7 days (2 keys)"), text);
  // In its project, the larger spender comes first.
  ok(text.indexOf('key "y"') < text.indexOf('key "x"'), text);
  const md = (await check(st, ["--usage", "7"], "markdown")).stdout;
  // Markdown escapes its punctuation; unescaped, it reads as the text does.
  ok(
    md.replace(/\\/g, "").includes(
      '**Undeclared spend: $40.35 in the last 7 days (2 keys)**\n\n- $40.05  key "y" [key_y] in proj_a\n- $0.30',
    ),
    md,
  );
  const sarif = JSON.parse((await check(st, ["--usage", "7"], "sarif")).stdout);
  assertEquals(sarif.runs[0].properties.undeclaredSpend, {
    days: 7,
    cost_usd: 40.35,
    keys: 2,
    unknown_keys: 0,
  });
  const result = sarif.runs[0].results.find((
    r: { properties?: { usage?: { cost_usd: number } } },
  ) => r.properties?.usage?.cost_usd === 40.05);
  ok(result, "a SARIF result carries the key's spend");
});

Deno.test("spend in another currency is unknown with why, never summed as dollars", async () => {
  const { x, rep } = await report(
    state({ x: "{ day: -1d, requests: 3, cost: 5, currency: eur }" }),
  );
  assertEquals(x.usage?.cost_usd, null);
  assertEquals(
    x.cost_error,
    `the costs API reports the key's spend in "eur", not "usd"; keydrift sums US dollars only`,
  );
  assertEquals(
    (rep.enrichment as { usage: { unexpected_spend: unknown } }).usage.unexpected_spend,
    {
      cost_usd: 0,
      keys: 0,
      unknown_keys: 1,
    },
  );
  const text = (await check(state({ x: "{ day: -1d, requests: 3, cost: 5, currency: eur }" }), [
    "--usage",
    "7",
  ], "text")).stdout;
  ok(text.includes('spend unknown: the costs API reports the key\'s spend in "eur"'), text);
  ok(
    text.includes(
      "Undeclared spend: $0.00 in the last 7 days (0 keys; 1 more unknown, so at least this)",
    ),
    text,
  );
});
