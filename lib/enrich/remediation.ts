/**
 * The fix for each drift item and finding, as data (SPEC 10.5): the Admin API call that would fix
 * it, or the manifest edit to make when the live state is what was intended. Pure; keydrift
 * never sends any of these (it sends GET only). Every `summary` is phrased here and nowhere else.
 *
 * A manifest edit is `{ method: "EDIT", path: "<file>:<line>", body }` where body is one of
 * `{ set: { <field>: <value> } }` (write these values into the entry), `{ remove: "entry" |
 * "project" }` (delete the entry or project block), `{ pin_one_of: [ids] }` (write one of these
 * ids as the entry's `id`) or `{ add_waiver: { policy, project, key } }` (accept the finding with a
 * waiver; its reason and expiry are yours to write).
 */
import { DAY } from "../assess/policy.ts";
import { entryKey, type RunFacts } from "../assess/assessment.ts";
import type {
  Drift,
  Finding,
  Remediation,
  RemediationBody,
  SourceLocation,
} from "../core/types.ts";
import { ORG } from "../core/types.ts";
import { grouped } from "../core/grouped.ts";
import { pathSegment } from "../core/ids.ts";

/** The API's bounds for `expires_in_seconds` on a key update. */
export const MAX_EXPIRES_IN = 31_536_000;
/** The expiry proposed for a key that has none: 90 days, a common rotation period. */
export const DEFAULT_EXPIRES_IN = 90 * DAY;

/** What remediation needs to know of the run: its clock, key creation times, declared owners. */
export type RemediationContext = RunFacts;

/**
 * One percent-encoded path segment. Every id here passed the id rule where it entered (a server
 * answer, the manifest), so the path names exactly these ids; `pathSegment` throws on one that
 * did not.
 */
const enc = pathSegment;
/** A project key's path, or an admin key's (their project id is ORG). */
const keyPath = (p: string, k: string) =>
  p === ORG
    ? `/organization/admin_api_keys/${enc(k)}`
    : `/organization/projects/${enc(p)}/api_keys/${enc(k)}`;
const where = (l: SourceLocation | null, projectId: string) =>
  l ? `${l.file}:${l.line}` : `project ${projectId}`;

function edit(
  item: { location: SourceLocation | null; projectId: string },
  body: RemediationBody,
  summary: string,
): Remediation {
  return { method: "EDIT", path: where(item.location, item.projectId), body, summary };
}

function del(projectId: string, keyId: string, why: string): Remediation {
  return { method: "DELETE", path: keyPath(projectId, keyId), body: null, summary: why };
}

/** The fix for a drift item. */
export function remediateDrift(d: Drift, ctx: RemediationContext): Remediation {
  switch (d.kind) {
    case "unexpected":
      return d.keyId
        ? del(
          d.projectId,
          d.keyId,
          "Delete the key, or declare it in the manifest if it is meant to exist.",
        )
        : edit(d, { add_entry: { name: d.keyName } }, "Declare the key in the manifest.");
    case "missing": {
      const owner = d.keyName === null
        ? undefined
        : ctx.owners.get(entryKey(d.projectId, d.keyName));
      if (owner?.type === "service_account" && owner.id) {
        return {
          method: "POST",
          path: `/organization/projects/${enc(d.projectId)}/service_accounts/${
            enc(owner.id)
          }/api_keys`,
          body: { name: d.keyName ?? "" },
          summary:
            "Create the key for its service account (this endpoint is in the official SDK, not yet in the published OpenAPI spec), or remove the entry.",
        };
      }
      if (owner?.type === "service_account") {
        return {
          method: "POST",
          path: `/organization/projects/${enc(d.projectId)}/service_accounts`,
          body: { name: owner.name },
          summary:
            "Create the service account with its first key (if it already exists, pin its id in the manifest to get the call that adds a key to it), or remove the entry.",
        };
      }
      return edit(
        d,
        { remove: "entry" },
        "No API call creates a user's key: create it in the dashboard, or remove the entry.",
      );
    }
    case "changed":
      return edit(
        d,
        { set: Object.fromEntries(d.changes.map((c) => [c.path, c.actual])) },
        "If the change was intended, write the live values into the entry; otherwise revert the key.",
      );
    case "ambiguous":
      return edit(
        d,
        { pin_one_of: (d.candidates ?? []).map((c) => c.id) },
        "Pin the intended key with its id; the others are then unexpected.",
      );
    case "project_missing":
      return edit(
        d,
        { remove: "project" },
        "Remove the project from the manifest, or give the admin key access to it.",
      );
    case "project_changed":
      return edit(
        d,
        { set: Object.fromEntries(d.changes.map((c) => [c.path, c.actual])) },
        "If the change was intended, write the live values into the project entry.",
      );
  }
}

/** Policies whose finding is fixed by deleting the key, with why. */
const DELETE_FOR: Record<string, string> = {
  "key-expired": "Delete the expired key; expired keys cannot be updated.",
  "owner-lost-access": "Delete the key its owner can no longer manage, or restore their access.",
  "key-unused": "Delete the idle key if nobody needs it.",
  "key-never-used": "Delete the never-used key if nobody needs it.",
  "multiple-keys-per-owner": "Delete this older key once its owner has moved to the newer one.",
};

/** The fix for a finding. */
export function remediateFinding(f: Finding, ctx: RemediationContext): Remediation {
  const waiver = (summary: string) =>
    edit(f, { add_waiver: { policy: f.policy, project: f.projectId, key: f.keyName } }, summary);
  if (f.keyId === null) return waiver("Accept the finding with a waiver, or fix the key.");
  if (DELETE_FOR[f.policy]) return del(f.projectId, f.keyId, DELETE_FOR[f.policy]);
  if (f.policy === "key-no-expiry") {
    return expire(f.projectId, f.keyId, DEFAULT_EXPIRES_IN, "90 days from now");
  }
  if (f.policy === "key-expiry-too-long") {
    const max = ctx.options.get(f.policy)?.max_days;
    const created = ctx.createdAt.get(f.keyId);
    if (typeof max === "number" && created !== undefined) {
      const left = created + max * DAY - ctx.now;
      if (left < 1) {
        return del(
          f.projectId,
          f.keyId,
          `The key is older than the ${max}-day limit: create a replacement, then delete it.`,
        );
      }
      return expire(
        f.projectId,
        f.keyId,
        Math.min(left, MAX_EXPIRES_IN),
        `at the end of its ${max}-day limit`,
      );
    }
    return expire(f.projectId, f.keyId, DEFAULT_EXPIRES_IN, "90 days from now");
  }
  const what: Record<string, string> = {
    "key-max-age": "Rotate the key (create a replacement, then delete this one)",
    "key-expiring-soon": "Rotate the key before it expires",
    "user-owned-key": "Replace it with a service-account key, then delete it",
    "key-name-pattern": "Rename the key in the dashboard",
  };
  return waiver(`${what[f.policy] ?? "Fix the key"}; or accept the finding with a waiver.`);
}

function expire(projectId: string, keyId: string, seconds: number, when: string): Remediation {
  if (projectId === ORG) {
    // The Admin API has no update for admin keys: the fix is a replacement.
    return del(
      projectId,
      keyId,
      "Admin keys cannot be given an expiry after creation: create a replacement with one, then delete this key.",
    );
  }
  const n = Math.max(1, Math.min(MAX_EXPIRES_IN, Math.floor(seconds)));
  return {
    method: "POST",
    path: keyPath(projectId, keyId),
    body: { expires_in_seconds: n },
    summary: `Set the key to expire ${when} (${grouped(n)} seconds).`,
  };
}
