/** The Markdown for one drift item, finding or per-project count: ids as code, prose escaped. */
import type { Drift, FamilySummary, Finding } from "./words.ts";
import { ageWords, familyState, MEMBERS_SHOWN } from "./_families.ts";
import { ORG } from "../core/types.ts";
import {
  type byProject,
  findingText,
  liveDetail,
  moreCandidates,
  ownerText,
  projectDetail,
  shortRedacted,
} from "./_shared.ts";
import { htmlText, mdCode, mdText, textSafe } from "./inert.ts";
import { curlLine, editText, enrichmentParts } from "./_enrich.ts";
import { counted } from "../core/grouped.ts";

/** The drift and findings of one project */
export type Group = ReturnType<typeof byProject>[number];

/** A Markdown suffix giving a manifest location, or nothing when there is none */
export const where = (l: { file: string; line: number } | null) =>
  l ? ` — ${mdCode(`${l.file}:${l.line}`)}` : "";
const value = (v: string | null) => (v === null ? "*null*" : mdCode(v));
const keyRef = (name: string | null, id: string | null) =>
  `key ${name === null ? "*(unnamed)*" : mdCode(name)}${id ? ` (${mdCode(id)})` : ""}`;

function changes(d: Drift): string {
  return d.changes.map((c) => `${mdText(c.path)}: ${value(c.expected)} → ${value(c.actual)}`)
    .join("; ");
}

/** `detail` is `<owner>, <redacted value>`: prose, then the value as code. */
function detail(s: string): string {
  const cut = s.lastIndexOf(", ");
  return cut === -1
    ? mdText(s)
    : `${mdText(s.slice(0, cut))}, ${mdCode(shortRedacted(s.slice(cut + 2)))}`;
}

function driftBody(d: Drift): string {
  const admin = d.keyType === "admin" ? "admin " : "";
  switch (d.kind) {
    case "missing":
      return `${admin}${keyRef(d.keyName, d.keyId)} is declared but missing from the live ${
        admin ? "organisation" : "project"
      }`;
    case "unexpected":
      return `${admin}${keyRef(d.keyName, d.keyId)} is not in the manifest${
        d.live ? `: ${detail(liveDetail(d))}` : ""
      }`;
    case "changed":
      return `${keyRef(d.keyName, d.keyId)} changed: ${changes(d)}`;
    case "ambiguous":
      return `${keyRef(d.keyName, null)} is ambiguous: ${
        (d.candidates ?? []).map((c) => `${mdCode(c.id)} (${mdText(ownerText(c.owner))})`).join(
          ", ",
        )
      }${moreCandidates(d)} fit; pin one with \`id\``;
    case "project_missing":
      return "the project does not exist or is not visible to this admin key";
    case "project_changed":
      return `the project changed: ${changes(d)}`;
    case "project_unexpected":
      return `the project is not in the manifest: ${mdText(projectDetail(d))}`;
  }
}

/** Marks an item `check --baseline` found in the baseline (issue 14). */
const known = (x: { baselined?: boolean }) => x.baselined ? " *(baselined)*" : "";

/** A drift item as a Markdown list item */
export function driftItem(d: Drift): string {
  return `- **${d.kind}** (${d.severity}): ${driftBody(d)}${known(d)}${where(d.location)}${
    enriched(d)
  }`;
}

/**
 * What enrichment knows (`; created … by …; used … times`), then the fix collapsed in a
 * `<details>` block under the list item: its summary as escaped HTML text, the command (or the
 * manifest edit) in a fenced code block longer than any backtick run in it.
 */
function enriched(x: Drift | Finding): string {
  const parts = enrichmentParts(x);
  const text = parts.length ? ` · ${parts.map(mdText).join("; ")}` : "";
  const r = x.remediation;
  if (!r) return text;
  const code = curlLine(r) ?? `# ${textSafe(editText(r))}`;
  let longest = 2;
  for (const run of code.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  const fence = "`".repeat(longest + 1);
  return `${text}\n  <details><summary>Fix: ${
    htmlText(r.summary)
  }</summary>\n\n  ${fence}sh\n  ${code}\n  ${fence}\n\n  </details>`;
}

/** A finding as a Markdown list item */
export function findingItem(f: Finding): string {
  const waiver = f.waived && f.waiver
    ? ` \\[waived until ${mdText(f.waiver.expires)}: ${mdText(f.waiver.reason)}\\]`
    : "";
  const about = f.keyId === null && f.family !== undefined
    ? `family ${mdCode(f.family)}`
    : keyRef(f.keyName, f.keyId);
  const body = `**${mdText(f.policy)}** (${f.severity}): ${about}: ${
    mdText(findingText(f))
  }${waiver}`;
  return `- ${f.waived ? `~~${body}~~` : body}${known(f)}${where(f.location)}${enriched(f)}`;
}

/** One list item counting a project's drift and findings by kind. */
export function countLine({ id, drift, findings }: Group): string {
  const n = (k: Drift["kind"]) => drift.filter((d) => d.kind === k && !d.baselined).length;
  const open = findings.filter((f) => !f.waived && !f.baselined);
  const baselined = drift.filter((d) => d.baselined).length +
    findings.filter((f) => f.baselined).length;
  const parts: [number, string][] = [
    [n("project_missing"), "project missing"],
    [n("project_changed"), "project changed"],
    [n("project_unexpected"), "project unexpected"],
    [n("missing"), "missing"],
    [n("unexpected"), "unexpected"],
    [n("changed"), "changed"],
    [n("ambiguous"), "ambiguous"],
    [open.filter((f) => f.severity === "error").length, "policy error"],
    [open.filter((f) => f.severity === "warning").length, "policy warning"],
    [findings.filter((f) => f.waived).length, "waived"],
    [baselined, "baselined"],
  ];
  return `- ${id === ORG ? "admin keys" : mdCode(id)}: ${
    parts.filter(([k]) => k).map(([k, l]) => l.startsWith("policy ") ? counted(k, l) : `${k} ${l}`)
      .join(", ")
  }`;
}

/**
 * A key family (SPEC 11.4) as a list item: project and name as code, its state in words, then
 * its members (at most `MEMBERS_SHOWN`) as ids in code with their owners.
 */
export function familyItem(f: FamilySummary): string {
  const by = f.family.managedBy === null ? "" : ` (managed by ${mdText(f.family.managedBy)})`;
  const shown = f.members.slice(0, MEMBERS_SHOWN).map((m) =>
    `${mdCode(m.id)} ${mdText(ownerText(m.owner))}, ${ageWords(m.ageSeconds)} old`
  );
  const more = f.members.length - shown.length;
  const members = shown.length
    ? `: ${shown.join("; ")}${more > 0 ? `; and ${more} more` : ""}`
    : "";
  return `- ${mdCode(f.projectId)} family ${mdCode(f.family.name)}${by}: ${
    mdText(familyState(f))
  }${members}${where(f.family.location)}`;
}
