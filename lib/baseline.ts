/**
 * Baselines (issue 14, SPEC 10.6): the dated, bulk acknowledgement of the drift and findings that
 * exist when keydrift is adopted. A baseline file records each item's fingerprint (the identity
 * SARIF `partialFingerprints` and Code Quality `fingerprint` carry: kind or policy, project, key
 * id, key name; never a line number). `check --baseline` marks known items, which then do not
 * fail the run; entries that no longer occur are listed as resolved. Pure: no IO here.
 */
import { ManifestError, type ManifestProblem } from "./errors.ts";
import { exitCodeFor, openCounts, type Report, statusFor } from "./report.ts";
import { driftMessage, findingMessage } from "./render/_shared.ts";
import { fingerprinter } from "./fingerprint.ts";
import { type Drift, type Finding, ORG } from "./types.ts";

/** The baseline file format's version (the `keydrift_baseline` field). */
export const BASELINE_VERSION = 1;

/** One acknowledged item. */
export interface BaselineEntry {
  fingerprint: string;
  /** `drift/<kind>` or `policy/<id>` (the SARIF rule id). */
  rule: string;
  project_id: string | null;
  key_id: string | null;
  key_name: string | null;
  /** What the item said when it was recorded, for people reading the file. */
  summary: string;
  /** `YYYY-MM-DD`, the day the item was first recorded. */
  recorded: string;
  /** The keydrift version that recorded it. */
  tool_version: string;
}

/** A baseline file that has been read: its path and its entries */
export interface Baseline {
  file: string;
  entries: BaselineEntry[];
}

/** What `check --baseline` adds to a report. */
export interface BaselineOutcome {
  file: string;
  /** Entries whose item no longer occurs (only where the run read what they are about). */
  resolved: BaselineEntry[];
}

const FIELDS = [
  "fingerprint",
  "rule",
  "project_id",
  "key_id",
  "key_name",
  "summary",
  "recorded",
  "tool_version",
] as const;
const TOP = ["keydrift_baseline", "tool", "created", "entries"] as const;

/** Each drift item and finding of a report with its fingerprint, in report order. */
export function* fingerprinted(
  r: Pick<Report, "drift" | "findings">,
): Generator<[Drift | Finding, string]> {
  const next = fingerprinter();
  for (const d of r.drift) yield [d, next(d)];
  for (const f of r.findings) yield [f, next(f)];
}

/** The entries recording every drift item and finding of `report`, sorted by fingerprint. */
export function entriesFor(report: Report, today: string): BaselineEntry[] {
  const out: BaselineEntry[] = [];
  for (const [x, fp] of fingerprinted(report)) {
    const drift = "kind" in x;
    out.push({
      fingerprint: fp,
      rule: drift ? `drift/${x.kind}` : `policy/${x.policy}`,
      project_id: x.keyType === "admin" ? null : x.projectId,
      key_id: x.keyId,
      key_name: x.keyName,
      summary: drift ? driftMessage(x) : findingMessage(x),
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
export function pruned(old: readonly BaselineEntry[], report: Report): BaselineEntry[] {
  const live = new Set([...fingerprinted(report)].map(([, fp]) => fp));
  const checked = inScope(report);
  return old.filter((e) => live.has(e.fingerprint) || !checked(e)).sort(byFingerprint);
}

/** Whether a run read what an entry is about (its project, or the admin keys). */
function inScope(report: Report): (e: BaselineEntry) => boolean {
  const scope = new Set(report.declared.map((p) => p.projectId).filter((id) => id !== ORG));
  return (e) => e.project_id === null ? report.adminKeysChecked === true : scope.has(e.project_id);
}

function byFingerprint(a: BaselineEntry, b: BaselineEntry): number {
  return a.fingerprint < b.fingerprint ? -1 : a.fingerprint > b.fingerprint ? 1 : 0;
}

/** The file's text: pretty JSON with one entry per line, sorted, so that diffs stay small. */
export function serializeBaseline(
  entries: readonly BaselineEntry[],
  meta: { version: string; created: string },
): string {
  const head = [
    "{",
    `  "keydrift_baseline": ${BASELINE_VERSION},`,
    `  "tool": ${JSON.stringify({ name: "keydrift", version: meta.version })},`,
    `  "created": ${JSON.stringify(meta.created)},`,
  ];
  const rows = [...entries].sort(byFingerprint).map((e) =>
    "    " + JSON.stringify(Object.fromEntries(FIELDS.map((f) => [f, e[f]])))
  );
  const list = rows.length ? ['  "entries": [', rows.join(",\n"), "  ]"] : ['  "entries": []'];
  return [...head, ...list, "}"].join("\n") + "\n";
}

/**
 * Reads a baseline file; every problem is located (`file:line:col: message`) and all are
 * reported at once in a {@link ManifestError}.
 */
export function parseBaseline(file: string, text: string): Baseline {
  const problems: ManifestProblem[] = [];
  const at = (line: number, column: number, message: string) =>
    problems.push({ file, line, column, message });
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    const m = /\(line (\d+) column (\d+)\)/.exec((e as Error).message);
    const why = (e as Error).message.replace(/\s*\(line \d+ column \d+\)$/, "");
    at(Number(m?.[1] ?? 1), Number(m?.[2] ?? 1), `not valid JSON: ${why}`);
    throw new ManifestError(problems);
  }
  const fix = "write it with keydrift baseline -o FILE";
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    at(1, 1, `a baseline file is a JSON object with "keydrift_baseline" and "entries"; ${fix}`);
    throw new ManifestError(problems);
  }
  const top = raw as Record<string, unknown>;
  for (const k of Object.keys(top)) {
    if (!(TOP as readonly string[]).includes(k)) at(1, 1, `unknown field "${k}" in the baseline`);
  }
  if (top.keydrift_baseline !== BASELINE_VERSION) {
    at(
      1,
      1,
      `"keydrift_baseline" must be ${BASELINE_VERSION}, not ${
        JSON.stringify(top.keydrift_baseline ?? null)
      }; ${fix}`,
    );
  }
  if (!Array.isArray(top.entries)) {
    at(1, 1, `"entries" must be a list of entries; ${fix}`);
    throw new ManifestError(problems);
  }
  const lines = entryLines(text);
  const seen = new Set<string>();
  const entries: BaselineEntry[] = [];
  top.entries.forEach((e: unknown, i) => {
    const [line, column] = lines[i] ?? [1, 1];
    const bad = (m: string) => at(line, column, `baseline entry ${i + 1}: ${m}`);
    const before = problems.length;
    if (typeof e !== "object" || e === null || Array.isArray(e)) {
      bad("must be an object");
      return;
    }
    const o = e as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      if (!(FIELDS as readonly string[]).includes(k)) bad(`unknown field "${k}"`);
    }
    if (typeof o.fingerprint !== "string" || !/^[0-9a-f]{16}$/.test(o.fingerprint)) {
      bad(`"fingerprint" must be 16 lowercase hex digits`);
    } else if (seen.has(o.fingerprint)) bad(`fingerprint "${o.fingerprint}" is listed twice`);
    else seen.add(o.fingerprint);
    for (const f of ["rule", "summary", "tool_version"] as const) {
      if (typeof o[f] !== "string") bad(`"${f}" must be a string`);
    }
    for (const f of ["project_id", "key_id", "key_name"] as const) {
      if (o[f] !== null && typeof o[f] !== "string") bad(`"${f}" must be a string or null`);
    }
    if (typeof o.recorded !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(o.recorded)) {
      bad(`"recorded" must be a date (YYYY-MM-DD)`);
    }
    if (problems.length === before) entries.push(o as unknown as BaselineEntry);
  });
  if (problems.length) throw new ManifestError(problems);
  return { file, entries };
}

/** Line and column of each element of the arrays directly inside the top-level object. */
function entryLines(text: string): [number, number][] {
  const out: [number, number][] = [];
  const stack: string[] = [];
  let expect = false;
  let line = 1;
  let col = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    col++;
    if (c === "\n") {
      line++;
      col = 0;
      continue;
    }
    if (inString) {
      if (c === "\\") {
        i++;
        col++;
      } else if (c === '"') inString = false;
      continue;
    }
    const inEntries = stack.length === 2 && stack[1] === "[";
    if (inEntries && expect && !/[\s,\]]/.test(c)) {
      out.push([line, col]);
      expect = false;
    }
    if (c === '"') inString = true;
    else if (c === "{" || c === "[") {
      stack.push(c);
      expect = stack.length === 2 && c === "[";
    } else if (c === "}" || c === "]") stack.pop();
    else if (c === "," && inEntries) expect = true;
  }
  return out;
}

/**
 * The report with `baseline` applied: known items marked `baselined` (they no longer fail the run
 * or count as open drift or findings), `summary.baselined`, and the entries that no longer occur.
 * An error run stays an error run, and claims nothing resolved (what it could not read is unknown).
 */
export function applyBaseline(report: Report, baseline: Baseline): Report {
  const known = new Map(baseline.entries.map((e) => [e.fingerprint, e]));
  const seen = new Set<string>();
  const drift: Drift[] = [];
  const findings: Finding[] = [];
  for (const [x, fp] of fingerprinted(report)) {
    const hit = known.has(fp);
    if (hit) seen.add(fp);
    if ("kind" in x) drift.push(hit ? { ...x, baselined: true } : x);
    else findings.push(hit ? { ...x, baselined: true } : x);
  }
  const checked = inScope(report);
  const resolved = report.status === "error"
    ? []
    : baseline.entries.filter((e) => !seen.has(e.fingerprint) && checked(e));
  const exitCode = exitCodeFor({ errors: report.errors, drift, findings, failOn: report.failOn });
  return {
    ...report,
    drift,
    findings,
    exitCode,
    status: statusFor(exitCode),
    summary: { ...report.summary, ...openCounts(drift, findings) },
    baseline: { file: baseline.file, resolved },
  };
}
