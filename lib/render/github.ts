/**
 * `github`: workflow commands (`::error file=…,line=…,col=…,title=…::message`) pointing at the
 * manifest, escaped per the toolkit rules, capped at the limits. Every value is made `textSafe`
 * first (controls and bidi characters as visible escapes), then escaped for its place, so a CR or
 * LF from the server can never start a line of its own and each line we write is one command.
 */
import type { Report, SourceLocation } from "./words.ts";
import { DRIFT_TEXT, driftMessage, findingMessage, shownErrors } from "./_shared.ts";
import { escapeData, escapeProperty, textSafe } from "./inert.ts";
import { counted } from "../core/grouped.ts";

export { escapeData, escapeProperty };

/** GitHub shows at most 10 errors and 10 warnings per step. */
export const ANNOTATION_LIMIT = 10;

interface Annotation {
  level: "error" | "warning";
  title: string;
  message: string;
  location: SourceLocation | null;
}

/**
 * One workflow command. Without a location it sits at `fallbackFile` (the first manifest) line 1,
 * or, when there is none (a usage error), on the run with no file at all: never at a file the run
 * did not read.
 */
function command(a: Annotation, fallbackFile: string | undefined): string {
  const file = a.location?.file ?? fallbackFile;
  const props = [
    ...(file === undefined ? [] : [
      `file=${escapeProperty(textSafe(file))}`,
      `line=${a.location?.line ?? 1}`,
      `col=${a.location?.column ?? 1}`,
    ]),
    `title=${escapeProperty(textSafe(a.title))}`,
  ];
  return `::${a.level} ${props.join(",")}::${escapeData(textSafe(a.message))}`;
}

/** The report as GitHub Actions workflow commands (annotations) */
export function renderGithub(r: Report): string {
  const all = annotations(r);
  const fallback: string | undefined = r.manifestFiles[0];
  const shown = { error: 0, warning: 0 };
  const lines: string[] = [];
  let hidden = 0;
  for (const a of all) {
    if (shown[a.level] >= ANNOTATION_LIMIT) {
      hidden++;
      continue;
    }
    shown[a.level]++;
    lines.push(command(a, fallback));
  }
  const summary = summaryText(r, hidden);
  lines.push(`::notice title=keydrift summary::${escapeData(summary)}`);
  return lines.join("\n") + "\n";
}

/** Every annotation the report makes, errors first; baselined items are counted, not annotated. */
function annotations(r: Report): Annotation[] {
  return [
    ...shownErrors(r).map((e): Annotation => ({
      level: "error",
      title: e.location ? "keydrift: manifest problem" : "keydrift: check incomplete",
      message: e.message,
      location: e.location ?? null,
    })),
    ...r.drift.filter((d) => !d.baselined).map((d): Annotation => ({
      level: d.severity,
      title: `keydrift: ${DRIFT_TEXT[d.kind].title}`,
      message: driftMessage(d),
      location: d.location,
    })),
    ...r.findings.filter((f) => !f.waived && !f.baselined).map((f): Annotation => ({
      level: f.severity,
      title: `keydrift: ${f.policy}`,
      message: findingMessage(f),
      location: f.location,
    })),
    ...r.notes.map((n): Annotation => ({
      level: "warning",
      title: "keydrift: manifest warning",
      message: n.message,
      location: n.location,
    })),
  ];
}

/** The run's one summary notice: counts, and what was not annotated. */
function summaryText(r: Report, hidden: number): string {
  const s = r.summary;
  const mismatched = r.baseline?.mismatched.length ?? 0;
  return `keydrift: ${r.status} (exit ${r.exitCode}): ${s.missing} missing, ${s.unexpected} unexpected, ${s.changed} changed, ` +
    `${s.ambiguous} ambiguous, ${s.project_drift} project drift; ${
      counted(s.policy_errors, "policy error")
    }, ${counted(s.policy_warnings, "warning")}` +
    (s.baselined ? `; ${s.baselined} baselined` : "") +
    (r.families.length
      ? `; ${r.families.length} key famil${
        r.families.length === 1 ? "y" : "ies"
      } (${s.family_keys} live key${s.family_keys === 1 ? "" : "s"}: see the step summary)`
      : "") +
    (mismatched
      ? `; ${mismatched} baseline entr${
        mismatched === 1 ? "y" : "ies"
      } not applied (fingerprint or identity mismatch: see the json report)`
      : "") +
    (hidden
      ? `; ${hidden} more not annotated (GitHub shows ${ANNOTATION_LIMIT} per level): see the step summary or the json report`
      : "");
}
