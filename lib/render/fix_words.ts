/**
 * The words of a fix: one sentence for each remediation, from its action, the item and the
 * policy's remedy, saying why when the fix stands in for the item's own remedy (`instead_of`) and
 * saying so when the endpoint is not in the published OpenAPI spec. Returned strings hold server
 * data raw (ids, entry names): each renderer makes them inert for its format.
 */
import type * as model from "../core/types.ts";
import type { Remedy } from "../assess/policy.ts";
import { counted, grouped } from "../core/grouped.ts";

/** Where the key update endpoint comes from, said wherever a fix calls it. */
export const UPDATE_ENDPOINT_NOTE =
  "with the key update endpoint, which is in the official SDK, not in the published OpenAPI spec";

/** Why a service-account key is never deleted on its own. */
const SA_RULE =
  "a service-account key goes only with its account (the published spec refuses a plain delete of one)";

const DRIFT_FIX: Record<model.DriftKind, string> = {
  unexpected: "Delete the key, or declare it in the manifest if it is meant to exist.",
  missing: "No API call creates a user's key: create it in the dashboard, or remove the entry.",
  changed:
    "If the change was intended, write the live values into the entry; otherwise revert the key.",
  ambiguous: "Pin the intended key with its id; the others are then unexpected.",
  project_missing: "Remove the project from the manifest, or give the admin key access to it.",
  project_changed: "If the change was intended, write the live values into the project entry.",
  project_unexpected:
    "Declare the project in the manifest (keydrift import --project ID writes its entry); if nobody needs it, archive it (POST /organization/projects/ID/archive: the API cannot undo it).",
};

/** The account a key goes with, and why: `with its service account svc_1, which …`. */
function throughAccount(r: model.Remediation): string {
  return `with its service account ${r.ids.service_account_id}, which holds nothing else this run keeps (the published spec refuses a plain delete of a service-account key)`;
}

/** A drift item's fix in one sentence. */
export function driftFixWords(d: model.Drift, r: model.Remediation): string {
  if (r.instead_of) return insteadWords(d, r.instead_of);
  switch (r.action) {
    case "edit_manifest":
      return d.kind === "unexpected" ? "Declare the key in the manifest." : DRIFT_FIX[d.kind];
    case "create_key":
      return "Create the key for its service account, or remove the entry.";
    case "create_service_account":
      return "Create the service account with its first key (if it already exists, pin its id in the manifest to get the call that adds a key to it), or remove the entry.";
    case "delete_service_account":
      return `Delete the key ${
        throughAccount(r)
      }, or declare the key in the manifest if it is meant to exist.`;
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
    // A finding about no key (a key family's, family-empty): its remedy says what would fix it.
    return remedy?.action === "waiver" && remedy.summary
      ? `${remedy.summary}; or accept the finding with a waiver.`
      : "Accept the finding with a waiver, or fix the key.";
  }
  if (r.instead_of) return insteadWords(f, r.instead_of);
  const own = remedyWords(r, remedy);
  return r.action === "delete_service_account" ? `${own} The key goes ${throughAccount(r)}.` : own;
}

/** What a finding's remedy came to: a delete, a replacement, an expiry, or a waiver. */
function remedyWords(r: model.Remediation, remedy: Remedy | undefined): string {
  if (remedy?.action === "delete_key") return remedy.summary;
  if (remedy?.action === "set_expiry") {
    if (r.action === "delete_admin_key") {
      return "Admin keys cannot be given an expiry after creation: create a replacement with one, then delete this key.";
    }
    const days = r.expiry?.days ?? remedy.days;
    if (r.action !== "set_expiry") {
      return `The key is older than the ${days}-day limit: create a replacement, then delete it.`;
    }
    const when = r.expiry?.from === "created"
      ? `at the end of its ${days}-day limit`
      : `${counted(days, "day")} from now`;
    const n = r.body && "expires_in_seconds" in r.body ? r.body.expires_in_seconds : 0;
    return `Set the key to expire ${when} (${grouped(n)} seconds), ${UPDATE_ENDPOINT_NOTE}.`;
  }
  return `${remedy?.summary ?? "Fix the key"}; or accept the finding with a waiver.`;
}

/** At most five ids or names, then how many more. */
function few(xs: readonly string[]): string {
  const shown = xs.slice(0, 5).join(", ");
  return xs.length > 5 ? `${shown} and ${xs.length - 5} more` : shown;
}

/** Why the fix stands in for the item's own remedy, and what to do instead. */
function insteadWords(x: model.Drift | model.Finding, i: model.InsteadOf): string {
  const accept = "kind" in x
    ? "Declare the key in the manifest"
    : "Accept the finding with a waiver";
  switch (i.because) {
    case "project_archived":
      return `${accept}: the project is archived, and the API changes nothing in an archived project.`;
    case "key_deleted":
      return "The fix of another item on this key deletes it, and a delete wins over an expiry.";
    case "use_unknown":
      return `${accept} until its use is known: --usage could not establish it, so the key is not deleted.`;
    case "use_inconsistent":
      return `${accept} until its use is known: the usage API's counts disagree with its last_used_at or its spend, so the key is not deleted.`;
    case "service_account_holds": {
      const a = i.account ?? { id: "?", keys: [], entries: [] };
      const holds = [
        a.keys.length ? `its other key${a.keys.length === 1 ? "" : "s"} ${few(a.keys)}` : "",
        a.entries.length
          ? `the declared entr${a.entries.length === 1 ? "y" : "ies"} ${
            few(a.entries.map((e) => JSON.stringify(e)))
          }`
          : "",
      ].filter(Boolean).join(" and ");
      return `${accept}: ${SA_RULE}, and service account ${a.id} also holds ${holds}.`;
    }
  }
}
