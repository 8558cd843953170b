/** Helpers several renderers share: one line per drift, rule text per kind. */
import type { Drift, Finding, OwnerRef, Report } from "./words.ts";
import { dataAsOfWords } from "./snapshot_words.ts";

/** The title and help text of each kind of drift */
export const DRIFT_TEXT: Record<Drift["kind"], { title: string; help: string }> = {
  missing: {
    title: "Key missing",
    help:
      "A key the manifest declares does not exist in the live project. Create it, or remove the entry.",
  },
  unexpected: {
    title: "Unexpected key",
    help: "A live key no manifest entry declares. Declare it (keydrift import helps) or delete it.",
  },
  changed: {
    title: "Key changed",
    help:
      "A declared key exists but its name or owner differs from the manifest. Fix the key or the entry.",
  },
  ambiguous: {
    title: "Ambiguous key",
    help: "Several live keys fit one entry by name and owner. Pin the intended one with its id.",
  },
  project_missing: {
    title: "Project missing",
    help: "A declared project does not exist or is not visible to the admin key.",
  },
  project_changed: {
    title: "Project changed",
    help: "A declared project is archived or has another name than the manifest says.",
  },
  project_unexpected: {
    title: "Unexpected project",
    help:
      "A live project no manifest declares (archived ones only while they hold keys). Declare it, or archive it if nobody needs it.",
  },
};

/** Where an item is: its project id, or the organisation's admin keys (issue 14). */
export function scopeName(x: Drift | Finding): string {
  const scope = x.keyType === "admin" ? "the organisation's admin keys" : x.projectId;
  return x.org === undefined ? scope : `${scope} (org ${x.org})`;
}

/** `key "name" (id)`, `admin key "name" (id)`, or an unnamed admin key by its id. */
function keyLabel(x: Drift | Finding): string {
  const kind = x.keyType === "admin" ? "admin key" : "key";
  // A family policy's finding about the family itself (family-empty) has no key.
  if (x.keyId === null && "policy" in x && x.family !== undefined) return `family "${x.family}"`;
  if (x.keyName === null) return x.keyId ? `unnamed ${kind} (${x.keyId})` : "";
  return `${kind} "${x.keyName}"${x.keyId ? ` (${x.keyId})` : ""}`;
}

/** One human line for a drift item, without location. */
export function driftMessage(d: Drift): string {
  const key = keyLabel(d);
  const where = scopeName(d);
  const changes = d.changes.map((c) =>
    `${c.path}: ${JSON.stringify(c.expected)} -> ${JSON.stringify(c.actual)}`
  ).join("; ");
  switch (d.kind) {
    case "missing":
      return `${key} in ${where} is declared but missing from the live ${
        d.keyType === "admin" ? "organisation" : "project"
      }`;
    case "unexpected":
      return `${key} in ${where} is not in the manifest (${liveDetail(d)})`;
    case "changed":
      return `${key} in ${where} changed: ${changes}`;
    case "ambiguous":
      return `${key} in ${where} is ambiguous: ${
        (d.candidates ?? []).map((c) => `${c.id} (${ownerText(c.owner)})`).join(", ")
      }${moreCandidates(d)} fit; pin one with id`;
    case "project_missing":
      return `project ${d.projectId} does not exist or is not visible to this admin key`;
    case "project_changed":
      return `project ${d.projectId} changed: ${changes}`;
    case "project_unexpected":
      return `project ${d.projectId} is not in the manifest (${projectDetail(d)})`;
  }
}

/** What the report knows of a project no manifest declares: `"sandbox", 3 keys, archived`. */
export function projectDetail(d: Drift): string {
  const p = d.liveProject;
  if (!p) return "";
  const keys = `${p.keyCount} key${p.keyCount === 1 ? "" : "s"}`;
  const status = p.status && p.status !== "active" ? `, ${p.status}` : "";
  return `${p.name === null ? "unnamed" : JSON.stringify(p.name)}, ${keys}${status}`;
}

/** A one-line message for a finding: key, project, what the policy found, and any waiver */
export function findingMessage(f: Finding): string {
  const key = keyLabel(f);
  const waived = f.waived && f.waiver
    ? ` [waived until ${f.waiver.expires}: ${f.waiver.reason}]`
    : "";
  return `${key} in ${scopeName(f)}: ${findingText(f)}${waived}`;
}

/**
 * Drift and findings grouped by project (projects sorted by id, each list in report order), in
 * one pass: the people-facing formats show a section per project.
 */
export function byProject(
  r: { drift: readonly Drift[]; findings: readonly Finding[] },
): { id: string; org?: string; drift: Drift[]; findings: Finding[] }[] {
  type Group = { id: string; org?: string; drift: Drift[]; findings: Finding[] };
  const groups = new Map<string, Group>();
  // A fleet's orgs keep the report's order (the manifest's); projects sort within each.
  const orgRank = new Map<string | undefined, number>();
  const group = (x: Drift | Finding) => {
    if (!orgRank.has(x.org)) orgRank.set(x.org, orgRank.size);
    const key = x.org === undefined ? x.projectId : `${x.org}\u0000${x.projectId}`;
    let g = groups.get(key);
    if (!g) {
      g = { id: x.projectId, drift: [], findings: [] };
      if (x.org !== undefined) g.org = x.org;
      groups.set(key, g);
    }
    return g;
  };
  for (const d of r.drift) group(d).drift.push(d);
  for (const f of r.findings) group(f).findings.push(f);
  // For people, unexpected keys that are in use or spend (--usage) come first in their project,
  // largest spend first: they are the urgent ones. The machine formats keep the report's order.
  const spend = (d: Drift) => d.usage?.cost_usd ?? 0;
  const urgent = (d: Drift) =>
    d.kind === "unexpected" && ((d.usage?.requests ?? 0) > 0 || spend(d) > 0);
  for (const g of groups.values()) {
    if (g.drift.some(urgent)) {
      g.drift = [
        ...g.drift.filter(urgent).sort((a, b) => spend(b) - spend(a)),
        ...g.drift.filter((d) => !urgent(d)),
      ];
    }
  }
  return [...groups.values()].sort((a, b) =>
    orgRank.get(a.org)! - orgRank.get(b.org)! || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

/**
 * A drift `detail` with its trailing `redacted_value` shortened for people: the mask run becomes
 * `...` (`sk-proj-****…****qe6x` -> `sk-proj-...qe6x`). Nothing else in the string changes.
 */
export function shortRedacted(detail: string): string {
  return detail.replace(/\*{3,}(?=[A-Za-z0-9_-]*$)/, "...");
}

/** How many live keys fit an ambiguous item: all of them, also those it does not list. */
export function candidatesFit(d: Drift): number {
  return d.candidatesTotal ?? d.candidates?.length ?? 0;
}

/** `" and 1,234 more"` when an ambiguous item lists fewer candidates than fit, else `""`. */
export function moreCandidates(d: Drift): string {
  const more = candidatesFit(d) - (d.candidates?.length ?? 0);
  return more > 0 ? ` and ${more.toLocaleString("en-US")} more` : "";
}

/** `user "Ana Ruiz"` or `service account "billing-worker"`. */
export function ownerText(o: OwnerRef): string {
  return o.type === "user" ? `user "${o.name}"` : `service account "${o.name}"`;
}

/** What the report knows of an unexpected key: `user "Ana", sk-proj-****abcd` (or ""). */
export function liveDetail(d: Drift): string {
  return d.live ? `${ownerText(d.live.owner)}, ${d.live.redactedValue}` : "";
}

/** A finding's message, with why its waiver does not apply when it has one that does not. */
export function findingText(f: Finding): string {
  const w = f.waiver;
  // A finding about use judged from the snapshot holds as of then (issue 21).
  const message = f.dataAsOf === undefined
    ? f.message
    : `${f.message} (${dataAsOfWords(f.dataAsOf)})`;
  if (!w || w.state === "active") return message;
  return w.state === "expired"
    ? `${message} (waiver expired on ${w.expires})`
    : `${message} (waiver at line ${w.location.line} is malformed and does not apply)`;
}

/** An error that ends every read: the admin key was refused (401) or lacks a scope (403). */
const refusesKey = (e: Report["errors"][number]) =>
  e.kind === "api" && (e.status === 401 || e.status === 403);

/**
 * The errors worth a line each: when the API refused the admin key, that refusal once (every
 * other read was refused the same way, and each project is then only "unknown"); else all.
 */
export function shownErrors(r: Report): Report["errors"] {
  const refused = r.errors.find(refusesKey);
  if (!refused) return r.errors;
  return [refused, ...r.errors.filter((e) => !refusesKey(e) && e.kind !== "unknown")];
}
