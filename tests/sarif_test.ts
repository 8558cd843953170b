/**
 * SARIF for GitHub code scanning, checked by validators nobody on the team wrote: Microsoft's SARIF
 * multitool with the SARIF, GitHub and GitHub Advanced Security rule kinds, and the official
 * SARIF 2.1.0 JSON schema. The multitool comes from npm: .ci/run installs
 * `@microsoft/sarif-multitool@5.7.0` into .ci/tools (tests/_tools.ts looks there, then on PATH);
 * outside CI its test is skipped without it, under CI it fails.
 */
import { worded } from "../lib/render/words.ts";
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import AjvDraft04Module from "ajv-draft-04";
import { run } from "../lib/commands/cli.ts";
import type { Report } from "../lib/report/report.ts";
import type { Drift, Finding } from "../lib/core/types.ts";
import { renderSarif, SARIF_MAX_RESULTS } from "../lib/render/sarif.ts";
import { POLICIES } from "../policies/mod.ts";
import { CHECK_FAKE, DEMO_FILES, memDeps, runCli } from "./_helpers.ts";
import { DRIFT, driftedOrg, FINDINGS } from "./_drifted_org.ts";
import { testWithTools } from "./_tools.ts";
import { RENDERERS } from "../lib/render/mod.ts";
import { reportWith } from "./_reports.ts";

const AjvDraft04 = AjvDraft04Module as unknown as new (o: object) => {
  compile(schema: unknown): ((data: unknown) => boolean) & { errors?: unknown[] | null };
};

const files = DEMO_FILES;
/** The demo with one project's listing failing: an exit-1 run. */
const errorFiles = {
  ...files,
  "state.yaml": files["state.yaml"] +
    "faults:\n  - { on: list, kind: status, status: 500, project: proj_search }\n",
};

async function sarif(f: Record<string, string>, code: number, extra: string[] = []) {
  const r = await runCli([...CHECK_FAKE, "--format", "sarif=out.sarif", ...extra], { files: f });
  assertEquals(r.code, code, r.stderr);
  return r.files.get("out.sarif")!;
}

/** `check` through the real CLI with a working directory, as main.ts gives it. */
async function sarifIn(cwd: string, manifest: string) {
  const { deps, files: written } = memDeps({
    files: { [manifest]: files["keydrift.yaml"], "state.yaml": files["state.yaml"] },
  });
  const code = await run(
    ["check", "-m", manifest, "--fake", "state.yaml", "--format", "sarif=out.sarif"],
    { ...deps, cwd: () => cwd },
    POLICIES,
  );
  assertEquals(code, 2);
  return written.get("out.sarif")!;
}

/**
 * The multitool's own binary, from the npm wrapper testWithTools found (.ci/tools first, then
 * PATH): the wrapper runs it through a shell, which splits on `;`. The package's main module
 * exports the platform binary's path.
 */
async function multitool(wrapper: string): Promise<string> {
  const out = await new Deno.Command("node", {
    args: [
      "-e",
      'const p = require("node:path"); console.log(require(p.dirname(require("node:fs").realpathSync(process.argv[1]))))',
      wrapper,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const said = new TextDecoder().decode(out.stderr);
  if (!out.success) throw new Error(`no multitool binary beside ${wrapper}: ${said}`);
  return new TextDecoder().decode(out.stdout).trim();
}

interface Problem {
  ruleId: string;
  level: string;
  message: { id: string; arguments?: string[] };
  locations: { physicalLocation: { artifactLocation: { uri: string } } }[];
}

/** Runs `validate --rule-kind Sarif;Gh;Ghas` over the logs; returns its results per file name. */
async function validate(
  wrapper: string,
  logs: Record<string, string>,
): Promise<Map<string, Problem[]>> {
  const dir = await Deno.makeTempDir();
  try {
    for (const [name, text] of Object.entries(logs)) {
      await Deno.writeTextFile(`${dir}/${name}`, text);
    }
    const out = await new Deno.Command(await multitool(wrapper), {
      args: [
        "validate",
        "--rule-kind",
        "Sarif;Gh;Ghas",
        // The default limit (10,000 KB) skips a larger log and still succeeds.
        "--max-file-size-in-kb",
        "102400",
        "--output",
        `${dir}/validation.json`,
        ...Object.keys(logs).map((n) => `${dir}/${n}`),
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const said = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    ok(out.success && said.includes(`Done. ${Object.keys(logs).length} files scanned.`), said);
    ok(!said.includes("skipped"), said);
    const log = JSON.parse(await Deno.readTextFile(`${dir}/validation.json`));
    const byFile = new Map<string, Problem[]>(Object.keys(logs).map((n) => [n, []]));
    for (const p of (log.runs[0].results ?? []) as Problem[]) {
      const uri = p.locations[0].physicalLocation.artifactLocation.uri;
      byFile.get(uri.slice(uri.lastIndexOf("/") + 1))!.push(p);
    }
    return byFile;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const big = driftedOrg(["sarif", "json"]);

testWithTools(
  "sarif whose server strings hold a [text](url) link, a {0} placeholder and a bidi override passes the SARIF multitool with no problem",
  ["sarif-multitool"],
  async (tools) => {
    const hostile = "[click me](https://evil.example/) {0} \u202eexe.txt";
    const problems = await validate(tools["sarif-multitool"], {
      "hostile.sarif": RENDERERS.sarif(reportWith(hostile, "error")),
    });
    assertEquals(
      problems.get("hostile.sarif")!.map((p) =>
        `${p.ruleId} ${p.level} ${p.message.id} ${p.message.arguments}`
      ),
      [],
    );
  },
);

/**
 * The 30,000-key log with every 100th result (and the last): its rules, invocation, notification
 * and properties as written. The multitool needs 150 s and 1 GB for all 25,000 results (measured:
 * 37 s for 5,000), beyond CI's budget; the schema and cap tests below read the whole log.
 */
function sample(text: string): string {
  const log = JSON.parse(text);
  const results: unknown[] = log.runs[0].results;
  log.runs[0].results = results.filter((_, i) => i % 100 === 0 || i === results.length - 1);
  return JSON.stringify(log, null, 2);
}

testWithTools(
  "sarif of the demo, an error run, an absolute -m, a manifest outside the root and 30,000 keys (every 100th result) passes the SARIF multitool (Sarif;Gh;Ghas); an absolute URI does not",
  ["sarif-multitool"],
  async (tools) => {
    const demo = await sarif(files, 2);
    // Today's failure, kept as the proof that the validator is awake: an absolute path as a URI.
    const broken = JSON.parse(demo);
    broken.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri =
      "/home/runner/work/keydrift.yaml";
    const problems = await validate(tools["sarif-multitool"], {
      "demo.sarif": demo,
      "error.sarif": await sarif(errorFiles, 1),
      "absolute.sarif": await sarifIn("/repo", "/repo/config/keydrift.yaml"),
      "outside.sarif": await sarifIn("/repo", "/etc/keydrift/keydrift.yaml"),
      "big.sarif": sample((await big()).get("r.sarif")!),
      "broken.sarif": JSON.stringify(broken),
    });
    for (const [name, list] of problems) {
      if (name === "broken.sarif") continue;
      assertEquals(
        list.map((p) => `${p.ruleId} ${p.level} ${p.message.id} ${p.message.arguments}`),
        [],
        name,
      );
    }
    ok(
      problems.get("broken.sarif")!.some((p) =>
        p.ruleId === "SARIF1004" && p.message.id === "Error_RelativeReferenceMustNotBeginWithSlash"
      ),
      JSON.stringify(problems.get("broken.sarif")),
    );
  },
);

Deno.test("sarif validates against the SARIF 2.1.0 JSON schema for the demo, an error run and 30,000 keys", async () => {
  const schema = JSON.parse(
    await Deno.readTextFile(new URL("./fixtures/schemas/sarif-schema-2.1.0.json", import.meta.url)),
  );
  const check = new AjvDraft04({ strict: false, validateFormats: false }).compile(schema);
  for (
    const text of [await sarif(files, 2), await sarif(errorFiles, 1), (await big()).get("r.sarif")!]
  ) {
    ok(check(JSON.parse(text)), JSON.stringify(check.errors?.slice(0, 3)));
  }
});

Deno.test("sarif at 30,000 keys keeps 25,000 results, every error first, states the omission, and is under 10 MB gzip", async () => {
  const out = await big();
  const text = out.get("r.sarif")!;
  const run = JSON.parse(text).runs[0];
  const total = DRIFT + FINDINGS;
  assertEquals(run.results.length, SARIF_MAX_RESULTS);
  const errors =
    JSON.parse(out.get("r.json")!).drift.filter((d: { severity: string }) => d.severity === "error")
      .length;
  assertEquals(run.results.filter((r: { level: string }) => r.level === "error").length, errors);
  assertEquals(run.properties, {
    resultsTotal: total,
    resultsOmitted: total - SARIF_MAX_RESULTS,
    fullReport: "the JSON report (--format json=PATH)",
  });
  const notice = run.invocations[0].toolExecutionNotifications.at(-1);
  assertEquals(notice.level, "warning");
  ok(
    notice.message.text.startsWith(
      `${total - SARIF_MAX_RESULTS} of ${total} results were left out`,
    ),
  );
  ok(notice.message.text.includes("--format json=PATH"));
  const fps = run.results.map((r: { partialFingerprints: Record<string, string> }) =>
    r.partialFingerprints["keydrift/v2"]
  );
  assertEquals(new Set(fps).size, fps.length);
  const gz = await new Response(
    new Blob([text]).stream().pipeThrough(new CompressionStream("gzip")),
  ).arrayBuffer();
  ok(gz.byteLength < 10 * 2 ** 20, `${gz.byteLength} bytes gzip`);
});

Deno.test("sarif cap: errors, then warnings, then waived findings, each in report order; nothing left out under the cap", () => {
  const drift = (i: number, severity: "error" | "warning"): Drift => ({
    kind: "unexpected",
    severity,
    projectId: "p",
    keyId: `k${i}`,
    keyName: `n${i}`,
    changes: [],
    location: { file: "keydrift.yaml", line: i + 1, column: 1 },
  });
  const finding = (i: number, waived: boolean): Finding => ({
    policy: "key-unused",
    severity: "warning",
    projectId: "p",
    keyId: `k${i}`,
    keyName: `n${i}`,
    facts: { days: 120, limit: 90 },
    waived,
    waiver: waived
      ? {
        reason: "on leave",
        expires: "2099-01-01",
        state: "active",
        location: { file: "keydrift.yaml", line: 1, column: 1 },
      }
      : null,
    location: { file: "keydrift.yaml", line: 100 + i, column: 1 },
  });
  const report = {
    tool: { name: "keydrift", version: "0.0.0" },
    status: "drift",
    exitCode: 2,
    failOn: "error",
    manifestFiles: ["keydrift.yaml"],
    summary: {},
    drift: [drift(0, "warning"), drift(1, "error"), drift(2, "warning"), drift(3, "error")],
    findings: [finding(4, true), finding(5, false)],
    errors: [],
    notes: [],
    rules: [],
    declared: [],
    families: [],
  } as unknown as Report;
  const lines = (max: number) =>
    JSON.parse(renderSarif(worded(report), { maxResults: max })).runs[0].results.map((
      r: { locations: { physicalLocation: { region: { startLine: number } } }[] },
    ) => r.locations[0].physicalLocation.region.startLine);
  assertEquals(lines(2), [2, 4]);
  assertEquals(lines(3), [1, 2, 4]);
  assertEquals(lines(5), [1, 2, 3, 4, 105]);
  assertEquals(lines(6), [1, 2, 3, 4, 104, 105]);
  const full = JSON.parse(renderSarif(worded(report))).runs[0];
  assertEquals(full.properties, { resultsTotal: 6, resultsOmitted: 0 });
  assertEquals(full.invocations[0].toolExecutionNotifications, []);
  // The same fingerprint for an item whether or not the cap left others out.
  const fp = (max: number) =>
    JSON.parse(renderSarif(worded(report), { maxResults: max })).runs[0].results.at(-1)
      .partialFingerprints;
  assertEquals(
    fp(2),
    JSON.parse(renderSarif(worded(report))).runs[0].results[3].partialFingerprints,
  );
});

Deno.test("sarif rules: every rule has a security-severity GitHub accepts, tags with security, and help in text and markdown", async () => {
  const rules = JSON.parse(await sarif(files, 2)).runs[0].tool.driver.rules;
  ok(rules.length >= POLICIES.length + 6);
  for (const r of rules) {
    const s = r.properties["security-severity"];
    ok(typeof s === "string" && /^\d+\.\d$/.test(s) && +s > 0 && +s <= 10, `${r.id}: ${s}`);
    ok(r.properties.tags.includes("security"), r.id);
    ok(r.help.text.length > 20 && r.help.markdown.length > 20, r.id);
    ok(/^[A-Z][A-Za-z0-9]*$/.test(r.name), r.name);
  }
  const level = (id: string) => rules.find((r: { id: string }) => r.id === id);
  assertEquals(level("drift/missing").properties["security-severity"], "8.0");
  assertEquals(level("drift/unexpected").properties["security-severity"], "5.0");
});

Deno.test("sarif locations are repository-relative with uriBaseId %SRCROOT%, for relative and absolute -m", async () => {
  const uris = (text: string) =>
    new Set(
      JSON.parse(text).runs[0].results.map((
        r: { locations: { physicalLocation: { artifactLocation: unknown } }[] },
      ) => JSON.stringify(r.locations[0].physicalLocation.artifactLocation)),
    );
  const expect = (uri: string) => new Set([JSON.stringify({ uri, uriBaseId: "%SRCROOT%" })]);
  assertEquals(uris(await sarif(files, 2)), expect("keydrift.yaml"));
  assertEquals(
    uris(await sarifIn("/repo", "/repo/config/keydrift.yaml")),
    expect("config/keydrift.yaml"),
  );
  assertEquals(
    uris(await sarifIn("/repo/sub", "/repo/my manifests/k.yaml")),
    expect("../my%20manifests/k.yaml"),
  );
});

Deno.test("sarif: a waived finding keeps an accepted suppression with its reason", async () => {
  const results = JSON.parse(await sarif(files, 2)).runs[0].results;
  const waived = results.filter((r: { suppressions?: unknown }) => r.suppressions);
  assertEquals(
    waived.map((r: { ruleId: string; suppressions: unknown }) => [r.ruleId, r.suppressions]),
    [[
      "policy/key-unused",
      [{
        kind: "inSource",
        status: "accepted",
        justification: "on leave until January (until 2099-01-15)",
      }],
    ]],
  );
});
