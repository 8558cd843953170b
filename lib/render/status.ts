/**
 * The one status line every `check` run ends with on stderr (unless `-q`): what was checked, the
 * outcome, and why the exit code is what it is. Pure: a function of the report.
 */
import { isFailing, type Report } from "../report/report.ts";
import { counted, grouped } from "../core/grouped.ts";
import { capField } from "./inert.ts";
import { fullReadWords } from "./snapshot_words.ts";
import { incompleteText } from "./_usage.ts";

function list(parts: string[]): string {
  return parts.length <= 1
    ? parts.join("")
    : `${parts.slice(0, -1).join(", ")} and ${parts[parts.length - 1]}`;
}

/**
 * `; attribution unavailable (…), usage unavailable (…)` when an enrichment read failed, or
 * `usage incomplete (…)` when some of its queries did.
 */
function enrichmentNote(r: Report): string {
  const e = r.enrichment;
  const parts = [
    e?.attribution?.error ? `attribution unavailable (${capField(e.attribution.error)})` : "",
    e?.usage?.error ? `usage unavailable (${capField(e.usage.error)})` : "",
    incompleteText(r) ? `usage incomplete (${capField(incompleteText(r)!)})` : "",
  ].filter(Boolean);
  return parts.length ? `; ${list(parts)}, which does not change the result` : "";
}

/** `keydrift: checked …: <outcome>; exit N: <why>` (no trailing newline). */
export function statusLine(r: Report, target: string): string {
  return (r.fleet ? fleetStatus(r, target) : statusCore(r, target)) + enrichmentNote(r) +
    snapshotNote(r);
}

/**
 * A fleet's status line (issue 24): which orgs were read, what they show, and that nothing is
 * claimed about the orgs that could not be read or were not checked in this run.
 */
function fleetStatus(r: Report, target: string): string {
  const orgs = r.fleet!.orgs;
  const names = (pick: (o: (typeof orgs)[number]) => boolean) =>
    orgs.filter(pick).map((o) => capField(o.name));
  const read = names((o) => o.checked && o.exitCode !== 1);
  const failed = names((o) => o.checked && o.exitCode === 1);
  const skipped = names((o) => !o.checked);
  const checked = `checked ${grouped(read.length)} of ${counted(orgs.length, "org")}${
    read.length ? ` (${list(read)})` : ""
  }, ${counted(r.summary.live_keys, "live key")}, against ${target}`;
  const parts = failingParts(r);
  const shows = parts.length
    ? `${list(parts)} at or above --fail-on ${r.failOn}`
    : `no drift or finding at or above --fail-on ${r.failOn}`;
  const aside = skipped.length
    ? `; nothing is claimed about ${
      skipped.length === 1 ? "the org" : "the orgs"
    } not checked in this run (${list(skipped)})`
    : "";
  if (failed.length) {
    const first = capField(r.errors[0]?.message ?? "");
    return `keydrift: ${checked}: incomplete; exit 1: ${
      counted(failed.length, "org")
    } could not be read (${list(failed)}), nothing is claimed about ${
      failed.length === 1 ? "it" : "them"
    }; the orgs read show ${shows}${aside}${first ? `. First error: ${first}` : ""}`;
  }
  const outcome = r.status === "drift" ? "drift; exit 2" : "in sync; exit 0";
  return `keydrift: ${checked}: ${outcome}: ${shows}${aside}`;
}

/** The failing drift by kind and the failing findings by severity, counted. */
function failingParts(r: Report): string[] {
  const kinds = new Map<string, number>();
  for (const d of r.drift.filter((d) => isFailing(d, r.failOn))) {
    const label = d.kind === "project_unexpected"
      ? "unexpected project"
      : d.kind.startsWith("project_")
      ? "project drift"
      : d.kind;
    kinds.set(label, (kinds.get(label) ?? 0) + 1);
  }
  const parts = [...kinds].map(([k, n]) => `${grouped(n)} ${k}`);
  const failingFindings = r.findings.filter((f) => isFailing(f, r.failOn));
  const errs = failingFindings.filter((f) => f.severity === "error").length;
  const warns = failingFindings.length - errs;
  if (errs) parts.push(counted(errs, "policy error"));
  if (warns) parts.push(counted(warns, "policy warning"));
  return parts;
}

/** `; 3 projects read now, 1,997 from the snapshot` (or why every project was read). */
function snapshotNote(r: Report): string {
  const s = r.snapshot;
  if (!s) return "";
  if (s.fullRead) return `; every project read now (${capField(fullReadWords(s.fullRead))})`;
  const now = s.projects.filter((p) => p.source.from === "api").length;
  return `; ${counted(now, "project")} read now, ${
    grouped(s.projects.length - now)
  } from the snapshot`;
}

function statusCore(r: Report, target: string): string {
  const s = r.summary;
  const checked = `checked ${counted(s.projects, "project")} (${
    counted(s.live_keys, "live key")
  }) against ${target}`;
  if (r.status === "error") return `keydrift: ${checked}: ${incomplete(r)}`;
  if (r.status === "in_sync") {
    const notes = inSyncNotes(r);
    return `keydrift: ${checked}: in sync; exit 0: no drift or finding at or above --fail-on ${r.failOn}${
      notes.length ? ` (${list(notes)})` : ""
    }`;
  }
  const parts = failingParts(r);
  const odd = notApplied(r);
  return `keydrift: ${checked}: drift; exit 2: ${list(parts)} at or above --fail-on ${r.failOn}${
    odd ? ` (${odd})` : ""
  }`;
}

/** An error run: which projects could not be read, and the first error. */
function incomplete(r: Report): string {
  const unknown = [
    ...new Set(r.errors.map((e) => e.projectId).filter((p): p is string => p !== null)),
  ];
  const which = unknown.length
    ? `${counted(unknown.length, "project")} could not be read (${
      unknown.slice(0, 3).map(capField).join(", ")
    }${unknown.length > 3 ? ", …" : ""})`
    : "the check could not complete";
  const first = capField(r.errors[0]?.message ?? "");
  return `incomplete; exit 1: ${which}; nothing is claimed about drift${
    first ? `. First error: ${first}` : ""
  }`;
}

/** What an in-sync run still has below the threshold, waived, baselined or resolved. */
function inSyncNotes(r: Report): string[] {
  const s = r.summary;
  const open = r.drift.filter((d) => !d.baselined).length;
  return [
    s.policy_warnings && r.failOn === "error"
      ? `${counted(s.policy_warnings, "policy warning")} below --fail-on error`
      : "",
    s.waived ? `${counted(s.waived, "waived finding")}` : "",
    open ? `${counted(open, "drift item")} below --fail-on error` : "",
    s.baselined ? `${counted(s.baselined, "baselined item")}` : "",
    r.baseline?.resolved.length
      ? `${counted(r.baseline.resolved.length, "baseline entry", "baseline entries")} resolved`
      : "",
    notApplied(r),
  ].filter(Boolean);
}

/** Baseline entries that hid nothing though they resemble an item (issue 19), or "". */
function notApplied(r: Report): string {
  const n = r.baseline?.mismatched.length ?? 0;
  return n
    ? `${counted(n, "baseline entry", "baseline entries")} not applied: ${
      n === 1 ? "it shares" : "each shares"
    } an item's fingerprint or identity, not both`
    : "";
}
