/**
 * Baselines (issue 14, SPEC 10.6 and 11.1): the dated, bulk acknowledgement of the drift and
 * findings that exist when keydrift is adopted. A baseline file records each item's identity
 * (kind or policy, project, key id, key name, owner) and its SHA-256 fingerprint (what SARIF
 * `partialFingerprints` and Code Quality `fingerprint` carry; never a line number). An entry hides
 * an item only when both are the item's; an entry that shares one but not the other hides nothing
 * and is reported. Waived findings are never recorded: the waiver governs them until it expires.
 * `check --baseline` marks known items, which then do not fail the run; entries that no longer
 * occur are listed as resolved. Pure: no IO here.
 */
import { exitCodeFor, openCounts, type Report, statusFor } from "../report/report.ts";
import { driftMessage, findingMessage } from "../render/_shared.ts";
import { canonical, identifier, type Identity } from "./fingerprint.ts";
import {
  type Baseline,
  type BaselineEntry,
  type BaselineMismatch,
  byFingerprint,
} from "./baseline_file.ts";
import { type Drift, type Finding, ORG } from "../core/types.ts";

export {
  type Baseline,
  BASELINE_VERSION,
  type BaselineEntry,
  type BaselineMismatch,
  type BaselineOutcome,
  parseBaseline,
  serializeBaseline,
} from "./baseline_file.ts";

/** Each drift item and finding of a report with its identity and fingerprint, in report order. */
export function* identified(
  r: Pick<Report, "drift" | "findings">,
): Generator<[Drift | Finding, Identity, string]> {
  const next = identifier();
  for (const x of [...r.drift, ...r.findings]) {
    const { id, fingerprint } = next(x);
    yield [x, id, fingerprint];
  }
}

/**
 * The entries recording every drift item and finding of `report` except waived findings (the
 * waiver governs those, and its expiry must fail the run), sorted by fingerprint.
 */
export function entriesFor(report: Report, today: string): BaselineEntry[] {
  const out: BaselineEntry[] = [];
  for (const [x, id, fingerprint] of identified(report)) {
    if ("waived" in x && x.waived) continue;
    out.push({
      fingerprint,
      ...id,
      summary: "kind" in x ? driftMessage(x) : findingMessage(x),
      recorded: today,
      tool_version: report.tool.version,
    });
  }
  return out.sort(byFingerprint);
}

/**
 * The entries of `old` whose items still occur in `report` (for `baseline --prune`); entries
 * about what this run did not check (other projects) are kept.
 */
export function pruned(old: Baseline, report: Report): BaselineEntry[] {
  const { hits } = matches(old, report);
  const checked = inScope(report);
  return old.entries.filter((e, i) => hits.has(i) || !checked(e)).sort(byFingerprint);
}

/** Whether a run read what an entry is about (its project, or the admin keys). */
function inScope(report: Report): (e: BaselineEntry) => boolean {
  const scope = new Set(report.declared.map((p) => p.projectId).filter((id) => id !== ORG));
  return (e) => e.project_id === null ? report.adminKeysChecked === true : scope.has(e.project_id);
}

/**
 * Which entry hides which item (the entry's fingerprint and identity are both the item's), and the
 * entries that share only one of them with an item.
 */
function matches(baseline: Baseline, report: Pick<Report, "drift" | "findings">) {
  const byFp = new Map(baseline.entries.map((e, i) => [e.fingerprint, i]));
  const byId = new Map(baseline.entries.map((e, i) => [canonical(e), i]));
  const hidden = new Set<Drift | Finding>();
  const hits = new Set<number>();
  const mismatched: BaselineMismatch[] = [];
  const odd = new Set<number>();
  for (const [x, id, fingerprint] of identified(report)) {
    const i = byFp.get(fingerprint);
    const j = byId.get(canonical(id));
    if (i !== undefined && i === j) {
      hidden.add(x);
      hits.add(i);
      continue;
    }
    for (const [k, matchedBy] of [[i, "fingerprint"], [j, "identity"]] as const) {
      if (k === undefined) continue;
      const [line, column] = baseline.places[k];
      odd.add(k);
      mismatched.push({
        location: { file: baseline.file, line, column },
        entry: baseline.entries[k],
        item: { ...id, fingerprint },
        matchedBy,
      });
    }
  }
  return { hidden, hits, mismatched, odd };
}

/**
 * The report with `baseline` applied: known items marked `baselined` (they no longer fail the run
 * or count as open drift or findings), `summary.baselined`, the entries that no longer occur, and
 * the entries that resemble an item without hiding it. An error run stays an error run, and claims
 * nothing resolved (what it could not read is unknown).
 */
export function applyBaseline(report: Report, baseline: Baseline): Report {
  const { hidden, hits, mismatched, odd } = matches(baseline, report);
  const mark = <T extends Drift | Finding>(x: T): T =>
    hidden.has(x) ? { ...x, baselined: true } : x;
  const drift = report.drift.map(mark);
  const findings = report.findings.map(mark);
  const checked = inScope(report);
  const resolved = report.status === "error"
    ? []
    : baseline.entries.filter((e, i) => !hits.has(i) && !odd.has(i) && checked(e));
  const exitCode = exitCodeFor({ errors: report.errors, drift, findings, failOn: report.failOn });
  return {
    ...report,
    drift,
    findings,
    exitCode,
    status: statusFor(exitCode),
    summary: { ...report.summary, ...openCounts(drift, findings) },
    baseline: {
      file: baseline.file,
      resolved,
      mismatched: mismatched.sort((a, b) => a.location.line - b.location.line),
    },
  };
}
