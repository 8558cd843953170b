/**
 * The markdown formats at scale: a GitHub step summary stays under 1 MiB and a PR comment under
 * 65,536 characters, say what they left out and where the full report is, and GitHub's renderer
 * (cmark-gfm) accepts them.
 */
import { worded } from "../lib/render/words.ts";
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import {
  COMMENT_BUDGET,
  renderMarkdown,
  renderMarkdownComment,
  STEP_SUMMARY_BUDGET,
} from "../lib/render/markdown.ts";
import type { Report } from "../lib/report/report.ts";
import type { Drift, Finding } from "../lib/core/types.ts";
import { owner, reportWith } from "./_reports.ts";
import { testWithTools } from "./_tools.ts";

const bytes = (s: string) => new TextEncoder().encode(s).length;

/** `projects` projects of `keys` keys each; most keys drift, half of them also have a finding. */
function bigReport(projects: number, keys: number): Report {
  const drift: Drift[] = [];
  const findings: Finding[] = [];
  for (let p = 0; p < projects; p++) {
    const projectId = `proj_${String(p).padStart(4, "0")}`;
    for (let k = 0; k < keys; k++) {
      const keyId = `key_${p}_${k}_${"x".repeat(12)}`;
      const keyName = `service-${k}-ci_deploy`;
      const location = { file: "keydrift.yaml", line: 10 + k, column: 9 };
      if (k % 10 === 0) continue; // in sync
      drift.push(
        k % 3 === 0
          ? {
            kind: "missing",
            severity: "error",
            projectId,
            keyId: null,
            keyName,
            changes: [],
            location,
          }
          : {
            kind: "unexpected",
            severity: "error",
            projectId,
            keyId,
            keyName,
            changes: [],
            location,
            live: {
              owner: owner("service_account", keyName),
              redactedValue: `sk-proj-${"*".repeat(36)}ab_c`,
            },
          },
      );
      if (k % 2 === 0) {
        findings.push({
          policy: "key-never-used",
          severity: "warning",
          projectId,
          keyId,
          keyName,
          facts: { days: 45, grace_days: 30 },
          waived: false,
          waiver: null,
          location,
        });
      }
    }
  }
  const base = reportWith("x");
  return { ...base, drift, findings, errors: [], notes: [] };
}

async function cmarkGfm(bin: string, markdown: string): Promise<string> {
  const child = new Deno.Command(bin, {
    args: ["-e", "autolink", "-e", "strikethrough", "-e", "table", "-e", "tagfilter"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(markdown));
  await writer.close();
  const out = await child.output();
  ok(out.success, new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout);
}

testWithTools(
  "markdown at 30,000 keys in 300 projects, most drifting: step summary under 1 MiB, comment under 65,536 characters, both rendered by cmark-gfm",
  ["cmark-gfm"],
  async (tools) => {
    const r = bigReport(300, 100);
    assertEquals(r.drift.length + r.findings.length, 39_000);
    const opts = { color: false, jsonReport: "reports/keydrift.json" };
    const summary = renderMarkdown(worded(r), opts);
    const comment = renderMarkdownComment(worded(r), opts);
    ok(bytes(summary) <= STEP_SUMMARY_BUDGET, `${bytes(summary)} bytes`);
    ok(bytes(summary) > STEP_SUMMARY_BUDGET * 0.9, "the budget is used, not wasted");
    ok(comment.length <= COMMENT_BUDGET && bytes(comment) <= COMMENT_BUDGET, `${comment.length}`);
    for (const text of [summary, comment]) {
      ok(text.includes("Not everything fits"), "says that something was left out");
      ok(text.includes("`reports/keydrift.json`"), "names the full report");
      const html = await cmarkGfm(tools["cmark-gfm"], text);
      ok(html.includes("<h3>"), "renders the headline");
      ok(html.includes("<table>"), "renders the totals table");
    }
    // Detail, then counts, then the rest only counted in the totals.
    ok(summary.includes("<details><summary>Project <code>proj_0000</code> (130)</summary>"));
    ok(summary.includes("#### More projects, counts only"));
    ok(!summary.includes("not listed"), "the step summary counts every project it does not detail");
    ok(comment.includes("#### More projects, counts only"), "the comment counts projects too");
    assertEquals(renderMarkdown(worded(r), opts), summary, "a pure function of the report");
  },
);

Deno.test("markdown shows one huge project in part and says how many items are not shown", () => {
  const r = bigReport(1, 30_000);
  const comment = renderMarkdownComment(worded(r), { color: false });
  ok(comment.length <= COMMENT_BUDGET);
  const m = /- … ([\d,]+) more items in this project not shown/.exec(comment);
  ok(m, "a line says how many items are not shown");
  const shown = comment.split("\n").filter((l) => l.startsWith("- **")).length;
  assertEquals(shown + Number(m[1].replace(/,/g, "")), r.drift.length + r.findings.length);
  ok(comment.includes("`--format json=keydrift.json`"), "says how to get the full report");
});

Deno.test("markdown that fits says nothing about leaving things out", () => {
  const r = reportWith("x");
  for (const text of [renderMarkdown(worded(r)), renderMarkdownComment(worded(r))]) {
    ok(!text.includes("Not everything fits"));
    ok(text.includes("#### Project `proj_x`"));
  }
});

testWithTools(
  "markdown code spans show ids verbatim: no backslash in `proj_analytics`",
  ["cmark-gfm"],
  async (tools) => {
    const html = await cmarkGfm(
      tools["cmark-gfm"],
      renderMarkdown(worded(reportWith("analytics"))),
    );
    ok(html.includes("<code>proj_analytics</code>"), html);
    ok(!/<code>[^<]*\\/.test(html), "no backslash inside any code span");
  },
);

Deno.test("markdown keeps to the budget with a very long report path in the note", () => {
  const r = bigReport(300, 100);
  const jsonReport = `reports/${"deep/".repeat(2_000)}keydrift.json`;
  const comment = renderMarkdownComment(worded(r), { color: false, jsonReport });
  ok(bytes(comment) <= COMMENT_BUDGET, `${bytes(comment)}`);
  ok(comment.includes(jsonReport));
});
