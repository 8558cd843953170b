/**
 * `sarif`: SARIF 2.1.0 for GitHub code scanning: one rule per drift kind and per policy, results
 * located in the manifest relative to the repository root, at most 25,000 of them (GitHub's limit
 * per run), most severe first. Message texts are plain text as viewers read it: no embedded link,
 * no placeholder, no control or bidi character (`sarifText`).
 */
import type { Drift, FamilySummary, Finding, Report, SourceLocation } from "./words.ts";
import { familyState } from "./_families.ts";
import { DRIFT_TEXT, driftMessage, findingMessage } from "./_shared.ts";
import { fingerprinter } from "../enrich/fingerprint.ts";
import { mismatchText } from "./_baseline.ts";
import { enrichedProperties, enrichedSuffix } from "./_enrich.ts";
import { pathUri, repoPath } from "./_repo_path.ts";
import { Streamed, streamJson } from "./json.ts";
import { sarifText } from "./inert.ts";

const DOCS = "https://github.com/keydrift/keydrift#";

/** GitHub code scanning rejects a run with more results than this. */
export const SARIF_MAX_RESULTS = 25_000;

/** Options of the SARIF report: the repository root and the most results to write */
export interface SarifOptions {
  /** Absolute path of the repository root (the CLI passes its working directory). */
  root?: string;
  /** At most this many results (default and upper bound: `SARIF_MAX_RESULTS`). */
  maxResults?: number;
}

type Level = "error" | "warning" | "none";

/** GitHub's scale: 9.0+ critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low. */
const SECURITY_SEVERITY: Record<Level, string> = { error: "8.0", warning: "5.0", none: "2.0" };

function rule(id: string, name: string, level: Level, text: {
  short: string;
  full: string;
  help: string;
  markdown: string;
  uri: string;
  tags: string[];
}) {
  return {
    id,
    name,
    shortDescription: { text: text.short },
    fullDescription: { text: text.full },
    help: { text: text.help, markdown: text.markdown },
    helpUri: text.uri,
    defaultConfiguration: { level },
    properties: { "security-severity": SECURITY_SEVERITY[level], tags: text.tags },
  };
}

const pascal = (s: string) =>
  s.replace(/(?:^|[^A-Za-z0-9]+)([A-Za-z0-9])/g, (_, c) => c.toUpperCase());

function rules(r: Report) {
  return [
    ...Object.entries(DRIFT_TEXT).map(([kind, t]) =>
      rule(`drift/${kind}`, pascal(t.title), kind === "unexpected" ? "warning" : "error", {
        short: t.title,
        full: t.help,
        help: t.help,
        markdown: `**${t.title}.** ${t.help}\n\nSee [drift kinds](${DOCS}drift-kinds).`,
        uri: `${DOCS}drift-kinds`,
        tags: ["security", "drift", "openai-api-keys"],
      })
    ),
    ...r.rules.map((p) =>
      rule(
        `policy/${p.id}`,
        pascal(p.id),
        p.defaultSeverity === "off" ? "none" : p.defaultSeverity,
        {
          short: p.summary,
          full: `${p.summary}. ${p.rationale}`,
          help: `${p.rationale} Source: ${p.source}`,
          markdown: `**${p.summary}.** ${p.rationale}\n\nSource: ${p.source}`,
          uri: `${DOCS}policies`,
          tags: ["security", "policy", "openai-api-keys"],
        },
      )
    ),
  ];
}

/** 0 open errors, 1 open warnings, 2 suppressed (waived, baselined): lower goes first when capping. */
const rank = (x: Drift | Finding) =>
  ("waived" in x && x.waived) || x.baselined ? 2 : x.severity === "error" ? 0 : 1;

/**
 * Which items stay under the cap, in report order: every item of a rank below the cut-off rank,
 * and the first `room` items of the cut-off rank. Deterministic, one pass, no sort.
 */
function keeper(items: readonly (Drift | Finding)[], max: number) {
  const counts = [0, 0, 0];
  for (const x of items) counts[rank(x)]++;
  let cut = 0;
  let room = max;
  while (cut < 3 && counts[cut] <= room) room -= counts[cut++];
  const taken = [0, 0, 0];
  return (x: Drift | Finding) => {
    const r = rank(x);
    return r < cut || (r === cut && taken[r]++ < room);
  };
}

/** One result: the item at its manifest entry, with its fingerprint and any waiver. */
function resultOf(
  x: Drift | Finding,
  fp: string,
  ctx: { index: Map<string, number>; fallback: string; root?: string },
) {
  const ruleId = "kind" in x ? `drift/${x.kind}` : `policy/${x.policy}`;
  const waiver = "waived" in x && x.waived ? x.waiver : null;
  const l: SourceLocation | null = x.location;
  const extra = enrichedProperties(x);
  return {
    ruleId,
    ...(ctx.index.has(ruleId) ? { ruleIndex: ctx.index.get(ruleId) } : {}),
    level: x.severity,
    message: {
      text: sarifText(("kind" in x ? driftMessage(x) : findingMessage(x)) + enrichedSuffix(x)),
    },
    locations: [{
      physicalLocation: {
        artifactLocation: {
          uri: pathUri(repoPath(l?.file ?? ctx.fallback, ctx.root)),
          uriBaseId: "%SRCROOT%",
        },
        region: { startLine: l?.line ?? 1, startColumn: l?.column ?? 1 },
      },
    }],
    // v2: SHA-256 of the identity (issue 19); v1 was a 64-bit FNV-1a of it.
    partialFingerprints: { "keydrift/v2": fp },
    ...(Object.keys(extra).length ? { properties: extra } : {}),
    ...(waiver || x.baselined
      ? {
        suppressions: [
          ...(waiver
            ? [{
              kind: "inSource",
              status: "accepted",
              justification: `${waiver.reason} (until ${waiver.expires})`,
            }]
            : []),
          // A baseline file outside the manifest acknowledged it (issue 14).
          ...(x.baselined
            ? [{ kind: "external", status: "accepted", justification: "in the keydrift baseline" }]
            : []),
        ],
      }
      : {}),
  };
}

/** The items under the cap, in report order, each with its fingerprint. */
function* kept(
  all: readonly (Drift | Finding)[],
  max: number,
): Generator<[Drift | Finding, string]> {
  const keep = keeper(all, max);
  const next = fingerprinter();
  // Every item takes its fingerprint (so numbering is the same with or without the cap).
  for (const x of all) {
    const fp = next(x);
    if (keep(x)) yield [x, fp];
  }
}

/** Read errors, and the omission when the cap left results out. */
function notifications(r: Report, total: number, omitted: number) {
  const omission = {
    level: "warning",
    message: {
      text: `${omitted} of ${total} results were left out: GitHub code scanning accepts at ` +
        `most ${SARIF_MAX_RESULTS} per run. This log keeps the most severe (errors, then ` +
        `warnings, then waived or baselined items, each in report order); the JSON report ` +
        `(--format json=PATH) lists every item.`,
    },
  };
  return [
    ...r.errors.map((e) => ({ level: "error", message: { text: sarifText(e.message) } })),
    // Baseline entries that hid nothing though they resemble a result (issue 19).
    ...(r.baseline?.mismatched ?? []).map((m) => ({
      level: "warning",
      message: { text: sarifText(mismatchText(m)) },
    })),
    ...(omitted ? [omission] : []),
  ];
}

/**
 * A key family (SPEC 11.4) in the run's property bag: its state in words and as values, and its
 * members' ids (the JSON report has the rest).
 */
function familyProperties(f: FamilySummary) {
  const newest = f.members[0];
  return {
    projectId: f.projectId,
    name: sarifText(f.family.name),
    managedBy: f.family.managedBy === null ? null : sarifText(f.family.managedBy),
    state: sarifText(familyState(f)),
    live: f.members.length,
    maxLive: f.family.maxLive,
    newestAgeDays: newest ? Math.floor(newest.ageSeconds / 86_400) : null,
    members: f.members.map((m) => m.id),
  };
}

/** With `--usage`: the spend of the keys nobody declared, over the window (run properties). */
function undeclaredSpend(r: Report): Record<string, unknown> {
  const u = r.enrichment?.usage;
  return u?.unexpected_spend ? { undeclaredSpend: { days: u.days, ...u.unexpected_spend } } : {};
}

/** The SARIF log in pieces (one per result); see `streamJson`. */
export function sarifChunks(r: Report, opts: SarifOptions = {}): Iterable<string> {
  const ruleList = rules(r);
  const ctx = {
    index: new Map(ruleList.map((x, i) => [x.id, i])),
    fallback: r.manifestFiles[0] ?? "keydrift.yaml",
    root: opts.root,
  };
  const all: (Drift | Finding)[] = [...r.drift, ...r.findings];
  const max = Math.min(opts.maxResults ?? SARIF_MAX_RESULTS, SARIF_MAX_RESULTS);
  const omitted = Math.max(0, all.length - max);
  return streamJson({
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [{
      tool: {
        driver: {
          name: "keydrift",
          version: r.tool.version,
          informationUri: DOCS.slice(0, -1),
          rules: ruleList,
        },
      },
      automationDetails: { id: "keydrift/" },
      invocations: [{
        executionSuccessful: r.status !== "error",
        toolExecutionNotifications: notifications(r, all.length, omitted),
      }],
      properties: {
        resultsTotal: all.length,
        resultsOmitted: omitted,
        ...(omitted ? { fullReport: "the JSON report (--format json=PATH)" } : {}),
        ...(r.families.length ? { families: r.families.map(familyProperties) } : {}),
        ...undeclaredSpend(r),
      },
      results: new Streamed(kept(all, max), ([x, fp]) => resultOf(x, fp, ctx)),
    }],
  });
}

/** The report as a SARIF 2.1.0 log */
export function renderSarif(r: Report, opts: SarifOptions = {}): string {
  return [...sarifChunks(r, opts)].join("");
}
