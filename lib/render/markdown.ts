/** `markdown`: a PR comment or $GITHUB_STEP_SUMMARY body: status, summary table, details. */
import type { Report } from "../report.ts";
import { byProject, driftMessage, findingMessage } from "./_shared.ts";

const ICON = { in_sync: "✅", drift: "❌", error: "⚠️" } as const;
const HEADLINE = {
  in_sync: "No drift: live keys match the manifest",
  drift: "Drift found",
  error: "Check incomplete: nothing is claimed about drift",
} as const;
/** Sections longer than this are collapsed. */
const COLLAPSE_AFTER = 10;

/** Escapes text for a Markdown table cell or list item. */
function md(s: string): string {
  return s.replace(/[\\`*_[\]<>|]/g, (c) => `\\${c}`).replace(/\r?\n/g, " ");
}

function section(title: string, items: string[]): string[] {
  if (!items.length) return [];
  const list = items.map((i) => `- ${i}`);
  if (items.length <= COLLAPSE_AFTER) return [`#### ${title}`, "", ...list, ""];
  return [
    `<details><summary>${title} (${items.length})</summary>`,
    "",
    ...list,
    "",
    "</details>",
    "",
  ];
}

export function renderMarkdown(r: Report): string {
  const s = r.summary;
  const out = [
    `### ${ICON[r.status]} keydrift: ${HEADLINE[r.status]}`,
    "",
    "| projects | declared | live | in sync | missing | unexpected | changed | ambiguous | project drift | policy errors | policy warnings | waived | coverage |",
    "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    `| ${s.projects} | ${s.declared_keys} | ${s.live_keys} | ${s.in_sync_keys} | ${s.missing} | ${s.unexpected} | ${s.changed} | ${s.ambiguous} | ${s.project_drift} | ${s.policy_errors} | ${s.policy_warnings} | ${s.waived} | ${s.coverage}% |`,
    "",
  ];
  out.push(...section("Errors", r.errors.map((e) => md(e.message))));
  for (const { id, drift, findings } of byProject(r)) {
    const items = [
      ...drift.map((d) =>
        `**${d.kind}** (${d.severity}): ${md(driftMessage(d))}${
          d.location ? ` — \`${d.location.file}:${d.location.line}\`` : ""
        }`
      ),
      ...findings.map((f) =>
        `${f.waived ? "~~" : ""}**${f.policy}** (${f.severity}): ${md(findingMessage(f))}${
          f.waived ? "~~" : ""
        }`
      ),
    ];
    out.push(...section(`Project \`${md(id)}\``, items));
  }
  out.push(
    ...section(
      "Manifest warnings",
      r.notes.map((n) => `${md(n.message)} — \`${n.location.file}:${n.location.line}\``),
    ),
  );
  out.push(
    `<sub>keydrift ${r.tool.version} · exit code ${r.exitCode} · fail-on ${r.failOn}</sub>`,
    "",
  );
  return out.join("\n");
}
