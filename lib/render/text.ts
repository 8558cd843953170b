/** `text`: a Terraform-like diff for people, grouped by project, with one summary line. */
import type { Report } from "../report.ts";
import type { Drift, Finding } from "../types.ts";
import type { RenderOptions } from "./mod.ts";
import { byProject } from "./_shared.ts";

const CODES = { red: 31, green: 32, yellow: 33, magenta: 35, cyan: 36, bold: 1, dim: 2 } as const;
type Style = keyof typeof CODES;

function painter(color: boolean) {
  return (style: Style, s: string) => (color ? `\x1b[${CODES[style]}m${s}\x1b[0m` : s);
}

const q = (s: string | null) => (s === null ? "null" : JSON.stringify(s));
const where = (d: { location: { file: string; line: number } | null }) =>
  d.location ? `  # ${d.location.file}:${d.location.line}` : "";

function keyRef(name: string | null, id: string | null): string {
  return `key ${q(name)}${id ? ` [${id}]` : ""}`;
}

function driftLines(d: Drift, paint: ReturnType<typeof painter>): string[] {
  switch (d.kind) {
    case "project_missing":
      return [
        paint("red", `  - project ${d.projectId}`) +
        `  # does not exist (or is not visible to this admin key)${where(d)}`,
      ];
    case "project_changed":
      return [
        paint("yellow", `  ~ project ${d.projectId}`) + where(d),
        ...d.changes.map((c) =>
          paint("yellow", `      ~ ${c.path}: ${q(c.expected)} -> ${q(c.actual)}`)
        ),
      ];
    case "changed":
      return [
        paint("yellow", `  ~ ${keyRef(d.keyName, d.keyId)}`) + where(d),
        ...d.changes.map((c) =>
          paint("yellow", `      ~ ${c.path}: ${q(c.expected)} -> ${q(c.actual)}`)
        ),
      ];
    case "missing":
      return [
        paint("red", `  - ${keyRef(d.keyName, d.keyId)}`) +
        `  # missing from the live project${where(d).replace("  #", ";")}`,
      ];
    case "ambiguous":
      return [
        paint("magenta", `  ? ${keyRef(d.keyName, null)}`) +
        `  # ${d.candidates?.length ?? 0} live keys fit; pin one with "id"${
          where(d).replace("  #", ";")
        }`,
        ...(d.candidates ?? []).map((c) => paint("magenta", `      ${c.id}  ${c.owner}`)),
      ];
    case "unexpected": {
      const level = d.severity === "warning" ? " (warning)" : "";
      return [
        paint("green", `  + ${keyRef(d.keyName, d.keyId)}`) +
        `  # not in the manifest${level}: ${d.detail ?? ""}`,
      ];
    }
  }
}

function findingLine(f: Finding, paint: ReturnType<typeof painter>): string {
  const ref = keyRef(f.keyName, f.keyId);
  if (f.waived && f.waiver) {
    return paint(
      "dim",
      `  ! ${f.severity} ${f.policy}: ${ref} ${f.message} [waived until ${f.waiver.expires}: ${f.waiver.reason}]`,
    );
  }
  return paint(f.severity === "error" ? "red" : "yellow", `  ! ${f.severity} ${f.policy}:`) +
    ` ${ref} ${f.message}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** The one summary line. */
export function summaryLine(r: Report): string {
  const s = r.summary;
  const parts: string[] = [];
  for (
    const [n, label] of [
      [s.missing, "missing"],
      [s.unexpected, "unexpected"],
      [s.changed, "changed"],
      [s.ambiguous, "ambiguous"],
      [s.project_drift, "project"],
    ] as const
  ) if (n) parts.push(`${n} ${label}`);
  const drift = parts.length ? `Drift: ${parts.join(", ")}` : "No drift";
  const policy =
    `Policy: ${plural(s.policy_errors, "error")}, ${plural(s.policy_warnings, "warning")}` +
    (s.waived ? `, ${s.waived} waived` : "");
  return `${drift} · ${policy} · Coverage: ${s.coverage}% (${s.managed_keys}/${s.live_keys})`;
}

export function renderText(r: Report, opts: RenderOptions): string {
  const paint = painter(opts.color);
  const out: string[] = [];
  for (const { id, drift, findings } of byProject(r)) {
    out.push(paint("bold", `project ${id}`));
    for (const d of drift) out.push(...driftLines(d, paint));
    for (const f of findings) out.push(findingLine(f, paint));
    out.push("");
  }
  for (const n of r.notes) {
    out.push(
      paint(
        "yellow",
        `Warning: ${n.location.file}:${n.location.line}:${n.location.column}: ${n.message}`,
      ),
    );
  }
  if (r.notes.length) out.push("");
  if (r.status === "error") {
    for (const e of r.errors) out.push(paint("red", "Error: ") + e.message);
    out.push(
      "",
      `Incomplete: ${plural(r.errors.length, "error")}; nothing is claimed about drift.`,
    );
    return out.join("\n") + "\n";
  }
  const noDrift = r.drift.length === 0;
  if (noDrift) out.push(paint("green", "No drift: live keys match the manifest."));
  if (!noDrift || r.findings.length) out.push(summaryLine(r));
  else {out.push(
      `${r.summary.in_sync_keys} keys in sync across ${
        plural(r.summary.projects, "project")
      } · Coverage: ${r.summary.coverage}% (${r.summary.managed_keys}/${r.summary.live_keys})`,
    );}
  return out.join("\n") + "\n";
}
