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
import type { Note as ModelNote, Remedy } from "../assess/policy.ts";
import { grouped } from "../core/grouped.ts";
import { isoDate } from "../core/time.ts";

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

/** The note on a finding about use when the usage API counts requests in the window. */
export function usageNoteWords(u: model.KeyUsage & { days: number }): string {
  return `the usage API counts ${grouped(u.requests)} request${
    u.requests === 1 ? "" : "s"
  } in the last ${u.days} day${u.days === 1 ? "" : "s"}, which contradicts last_used_at`;
}

const DRIFT_FIX: Record<model.DriftKind, string> = {
  unexpected: "Delete the key, or declare it in the manifest if it is meant to exist.",
  missing: "No API call creates a user's key: create it in the dashboard, or remove the entry.",
  changed:
    "If the change was intended, write the live values into the entry; otherwise revert the key.",
  ambiguous: "Pin the intended key with its id; the others are then unexpected.",
  project_missing: "Remove the project from the manifest, or give the admin key access to it.",
  project_changed: "If the change was intended, write the live values into the project entry.",
};

/** A drift item's fix in one sentence. */
export function driftFixWords(d: model.Drift, r: model.Remediation): string {
  switch (r.action) {
    case "edit_manifest":
      return d.kind === "unexpected" ? "Declare the key in the manifest." : DRIFT_FIX[d.kind];
    case "create_key":
      return "Create the key for its service account (this endpoint is in the official SDK, not yet in the published OpenAPI spec), or remove the entry.";
    case "create_service_account":
      return "Create the service account with its first key (if it already exists, pin its id in the manifest to get the call that adds a key to it), or remove the entry.";
    default:
      return DRIFT_FIX[d.kind];
  }
}

/** A finding's fix in one sentence: by what its policy's remedy came to for this key. */
export function findingFixWords(
  f: model.Finding,
  r: model.Remediation,
  remedy: Remedy | undefined,
): string {
  if (f.keyId === null) {
    return remedy?.action === "waiver" && remedy.summary
      ? `${remedy.summary}; or accept the finding with a waiver.`
      : "Accept the finding with a waiver, or fix the key.";
  }
  if (remedy?.action === "delete_key") return remedy.summary;
  if (remedy?.action === "delete_service_account") {
    if (r.action === "delete_service_account") return remedy.summary;
    return f.facts.owner_type === "service_account"
      ? "The API deletes a service account's key only with its account, which also holds keys outside the family: delete the account by hand if those may go; or accept the finding with a waiver."
      : "Delete this key (a user's key: no service account goes with it).";
  }
  if (remedy?.action === "set_expiry") {
    if (r.action === "delete_admin_key") {
      return "Admin keys cannot be given an expiry after creation: create a replacement with one, then delete this key.";
    }
    const days = r.expiry?.days ?? remedy.days;
    if (r.action === "delete_key") {
      return `The key is older than the ${days}-day limit: create a replacement, then delete it.`;
    }
    const when = r.expiry?.from === "created"
      ? `at the end of its ${days}-day limit`
      : `${days} days from now`;
    const n = r.body && "expires_in_seconds" in r.body ? r.body.expires_in_seconds : 0;
    return `Set the key to expire ${when} (${grouped(n)} seconds).`;
  }
  return `${remedy?.summary ?? "Fix the key"}; or accept the finding with a waiver.`;
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
    ...(x.usageContradicts && x.usage ? { usageNote: usageNoteWords(x.usage) } : {}),
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
