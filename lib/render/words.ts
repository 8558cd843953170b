/**
 * The words of a report: the model (`lib/` outside `render/`) carries facts, and this module says
 * them. A finding's message is its policy's template filled with the finding's facts; a fix's
 * summary follows from its action and the policy's remedy; a note, a usage contradiction, a
 * baseline entry's summary are phrased here. Every renderer reads the worded report
 * ({@link worded}), whose types below have the names of the model's, with the words added.
 * Returned strings hold server data raw: each renderer makes them inert for its format.
 */
import type * as model from "../core/types.ts";
import type { Report as ModelReport, RuleInfo } from "../report/report.ts";
import type { Note as ModelNote } from "../assess/policy.ts";
import { driftFixWords, findingFixWords } from "./fix_words.ts";
import { isoDate } from "../core/time.ts";
import { usageNoteOf } from "./_usage.ts";

/** A fix with its one short sentence for people. */
export type Remediation = model.Remediation & { summary: string };
/** Enrichment as the renderers read it: with the note where usage contradicts `last_used_at`. */
type Said = { remediation?: Remediation; usageNote?: string };
/** A drift item, worded. */
export type Drift = Omit<model.Drift, "remediation"> & Said;
/** A finding, worded: `message` is its policy's template filled with its facts. */
export type Finding = Omit<model.Finding, "remediation"> & Said & { message: string };
/** A note about the manifest, worded. */
export type Note = ModelNote & { message: string };
/** The report every renderer reads: the model's, with its words. */
export type Report = Omit<ModelReport, "drift" | "findings" | "notes"> & {
  drift: Drift[];
  findings: Finding[];
  notes: Note[];
};
/** What enrichment added to an item, worded. */
export type Enriched = Omit<model.Enriched, "remediation"> & Said;
export type { Candidate, OwnerRef, SourceLocation } from "../core/types.ts";
export type { RuleInfo, Summary } from "../report/report.ts";
export type { FamilySummary } from "../assess/families.ts";
export { driftFixWords, findingFixWords } from "./fix_words.ts";

/**
 * A template filled with facts: `{name}` is a fact as written, `{at|date}` a Unix time as
 * `YYYY-MM-DD`, `{owner|owner}` the owner in `owner_type`, `owner_name` and `owner_email`
 * (`user "Ana" <ana@x>`, `service account "bot"`). A placeholder without its fact stays as written.
 */
export function fill(template: string, facts: model.Facts): string {
  return template.replace(/\{([a-z_]+)(?:\|([a-z]+))?\}/g, (whole, name: string, how?: string) => {
    if (how === "owner") return ownerWords(facts, name) ?? whole;
    if (!Object.hasOwn(facts, name)) return whole;
    const v = facts[name];
    return how === "date" && typeof v === "number" ? isoDate(v) : String(v);
  });
}

function ownerWords(facts: model.Facts, prefix: string): string | null {
  const [type, name, email] = ["type", "name", "email"].map((k) => facts[`${prefix}_${k}`]);
  if (type === undefined || name === undefined) return null;
  return type === "user"
    ? `user "${name}"${email ? ` <${email}>` : ""}`
    : `service account "${name}"`;
}

/** A finding's message: its rule's template over its facts (the facts themselves without one). */
export function findingWords(
  f: model.Finding,
  rule: Pick<RuleInfo, "message"> | undefined,
): string {
  if (rule) return fill(rule.message, f.facts);
  return Object.entries(f.facts).map(([k, v]) => `${k}: ${v}`).join("; ");
}

/** What a waiver that matched nothing says. */
export function noteWords(n: ModelNote): string {
  const w = n.waiver;
  return `waiver for ${w.policy} on ${w.project}/${w.key} matches no finding; remove it if it is no longer needed`;
}

/** The note where usage contradicts `last_used_at` or the sources disagree, when there is one. */
function usageNote(x: model.Enriched): { usageNote?: string } {
  const note = usageNoteOf(x);
  return note === undefined ? {} : { usageNote: note };
}

/** An item with its fix's summary, and the note where usage contradicts `last_used_at`. */
export function said<T extends model.Drift | model.Finding>(
  x: T,
  fix: (r: model.Remediation) => string,
): Omit<T, "remediation"> & Said {
  const { remediation, ...rest } = x;
  return {
    ...rest,
    ...(remediation ? { remediation: { ...remediation, summary: fix(remediation) } } : {}),
    ...usageNote(x),
  };
}

/** The report with its words: what every renderer reads. */
export function worded(report: ModelReport): Report {
  const rules = new Map(report.rules.map((r) => [r.id, r]));
  return {
    ...report,
    drift: report.drift.map((d) => said(d, (r) => driftFixWords(d, r))),
    findings: report.findings.map((f) => {
      const rule = rules.get(f.policy);
      return {
        ...said(f, (r) => findingFixWords(f, r, rule?.remedy)),
        message: findingWords(f, rule),
      };
    }),
    notes: report.notes.map((n) => ({ ...n, message: noteWords(n) })),
  };
}
