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
import type { Assessment } from "../assess/assessment.ts";
import { VERSION } from "../core/version.ts";
import { canonical, identifier, type Identity } from "./fingerprint.ts";
import {
  type Baseline,
  type BaselineEntry,
  type BaselineMismatch,
  type BaselineOutcome,
  byFingerprint,
} from "./baseline_file.ts";
import type { Drift, Finding } from "../core/types.ts";

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
  r: Pick<Assessment, "drift" | "findings">,
): Generator<[Drift | Finding, Identity, string]> {
  const next = identifier();
  for (const x of [...r.drift, ...r.findings]) {
    const { id, fingerprint } = next(x);
    yield [x, id, fingerprint];
  }
}

/** A baseline entry before its summary for people (`render/` words it), with its item. */
export interface EntryFor {
  item: Drift | Finding;
  entry: Omit<BaselineEntry, "summary">;
}

/**
 * The entries recording every drift item and finding of `a` except waived findings (the waiver
 * governs those, and its expiry must fail the run), sorted by fingerprint.
 */
export function entriesFor(a: Assessment, today: string): EntryFor[] {
  const out: EntryFor[] = [];
  for (const [x, id, fingerprint] of identified(a)) {
    if ("waived" in x && x.waived) continue;
    out.push({
      item: x,
      entry: { fingerprint, ...id, recorded: today, tool_version: VERSION },
    });
  }
  return out.sort((p, q) => byFingerprint(p.entry, q.entry));
}

/**
 * The entries of `old` whose items still occur in `a` (for `baseline --prune`); entries about
 * what this run did not check (other projects) are kept.
 */
export function pruned(old: Baseline, a: Assessment): BaselineEntry[] {
  const { hits } = matches(old, a);
  const checked = inScope(a);
  return old.entries.filter((e, i) => hits.has(i) || !checked(e)).sort(byFingerprint);
}

/**
 * Whether a run read what an entry is about (its project, or the admin keys, of its org: a fleet's
 * org is assessed on its own, `a.org`, and an entry of another org is not its to resolve).
 */
function inScope(a: Assessment): (e: BaselineEntry) => boolean {
  const scope = new Set(a.manifest?.projects.map((p) => p.id));
  return (e) =>
    e.org === a.org && (e.project_id === null ? a.adminKeysChecked : scope.has(e.project_id));
}

/**
 * Which entry hides which item (the entry's fingerprint and identity are both the item's), and the
 * entries that share only one of them with an item.
 */
function matches(baseline: Baseline, report: Pick<Assessment, "drift" | "findings">) {
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
 * The assessment with `baseline` applied: known items marked `baselined` (the report then counts
 * them apart, and they do not fail the run), the entries that no longer occur, and the entries that
 * resemble an item without hiding it. A run with read errors claims nothing resolved (what it
 * could not read is unknown). Status, summary and exit code are the report's to decide.
 */
export function markBaseline<A extends Assessment>(
  a: A,
  baseline: Baseline,
): A & { baseline: BaselineOutcome } {
  const { hidden, hits, mismatched, odd } = matches(baseline, a);
  const mark = <T extends Drift | Finding>(x: T): T =>
    hidden.has(x) ? { ...x, baselined: true } : x;
  const checked = inScope(a);
  const resolved = a.errors.length
    ? []
    : baseline.entries.filter((e, i) => !hits.has(i) && !odd.has(i) && checked(e));
  return {
    ...a,
    drift: a.drift.map(mark),
    findings: a.findings.map(mark),
    baseline: {
      file: baseline.file,
      resolved,
      mismatched: mismatched.sort((x, y) => x.location.line - y.location.line),
    },
  };
}
