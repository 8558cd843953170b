/**
 * The fix for each drift item and finding, as data (SPEC 10.5, 11.3): an action, the ids it acts
 * on, and the Admin API call that would do it, or the manifest edit to make when the live state
 * is what was intended. Pure; keydrift never sends any of these (it sends GET only). The words
 * that go with each fix are `render/`'s.
 *
 * Which endpoint does what is one table, {@link ENDPOINTS}; a finding's fix is its policy's
 * declared `remedy`.
 *
 * A manifest edit is `{ method: "EDIT", path: "<file>:<line>", body }` where body is one of
 * `{ set: { <field>: <value> } }` (write these values into the entry), `{ remove: "entry" |
 * "project" }` (delete the entry or project block), `{ pin_one_of: [ids] }` (write one of these
 * ids as the entry's `id`) or `{ add_waiver: { policy, project, key } }` (accept the finding with a
 * waiver; its reason and expiry are yours to write).
 */
import type { Policy } from "../assess/policy.ts";
import { DAY } from "../core/time.ts";
import { entryKey, type RunFacts } from "../assess/assessment.ts";
import type {
  Drift,
  Finding,
  FixAction,
  Remediation,
  RemediationBody,
  SourceLocation,
} from "../core/types.ts";
import { ORG } from "../core/types.ts";
import { pathSegment } from "../core/ids.ts";

/** The API's bounds for `expires_in_seconds` on a key update. */
export const MAX_EXPIRES_IN = 31_536_000;

/** What remediation needs to know of the run: its clock, key creation times, declared owners. */
export type RemediationContext = RunFacts;

/** The objects a fix acts on. */
type Ids = Remediation["ids"];

/**
 * One percent-encoded path segment. Every id here passed the id rule where it entered (a server
 * answer, the manifest), so the path names exactly these ids; `pathSegment` throws on one that
 * did not.
 */
const enc = (id: string | null) => pathSegment(id ?? "");
const project = (ids: Ids) => `/organization/projects/${enc(ids.project_id)}`;

/**
 * The Admin API call each action makes, and whether the published OpenAPI spec has it: the one
 * place that says which endpoint does what.
 */
const ENDPOINTS: {
  readonly [A in Exclude<FixAction, "edit_manifest">]: {
    method: "DELETE" | "POST";
    path: (ids: Ids) => string;
    inPublishedSpec: boolean;
  };
} = {
  delete_key: {
    method: "DELETE",
    path: (ids) => `${project(ids)}/api_keys/${enc(ids.key_id)}`,
    inPublishedSpec: true,
  },
  // Deleting a service account deletes its keys: how secrets managers retire a credential.
  delete_service_account: {
    method: "DELETE",
    path: (ids) => `${project(ids)}/service_accounts/${enc(ids.service_account_id)}`,
    inPublishedSpec: true,
  },
  delete_admin_key: {
    method: "DELETE",
    path: (ids) => `/organization/admin_api_keys/${enc(ids.key_id)}`,
    inPublishedSpec: true,
  },
  // The key update endpoint is in the official SDK, not in the published spec.
  set_expiry: {
    method: "POST",
    path: (ids) => `${project(ids)}/api_keys/${enc(ids.key_id)}`,
    inPublishedSpec: false,
  },
  create_key: {
    method: "POST",
    path: (ids) => `${project(ids)}/service_accounts/${enc(ids.service_account_id)}/api_keys`,
    inPublishedSpec: true,
  },
  create_service_account: {
    method: "POST",
    path: (ids) => `${project(ids)}/service_accounts`,
    inPublishedSpec: true,
  },
};

function call(
  action: keyof typeof ENDPOINTS,
  ids: Ids,
  body: RemediationBody | null,
  extra: Pick<Remediation, "expiry"> = {},
): Remediation {
  const e = ENDPOINTS[action];
  return {
    action,
    method: e.method,
    path: e.path(ids),
    body,
    ids,
    in_published_spec: e.inPublishedSpec,
    ...extra,
  };
}

/** The ids of an item's key: an admin key belongs to no project. */
function idsOf(x: Drift | Finding, serviceAccount: string | null = null): Ids {
  return {
    project_id: x.projectId === ORG ? null : x.projectId,
    key_id: x.keyId,
    service_account_id: serviceAccount,
  };
}

const where = (l: SourceLocation | null, projectId: string) =>
  l ? `${l.file}:${l.line}` : `project ${projectId}`;

function edit(x: Drift | Finding, body: RemediationBody): Remediation {
  return {
    action: "edit_manifest",
    method: "EDIT",
    path: where(x.location, x.projectId),
    body,
    ids: idsOf(x),
    in_published_spec: null,
  };
}

/** Deletes the item's key: a project key, or an admin key. */
function deleteKey(x: Drift | Finding, extra: Pick<Remediation, "expiry"> = {}): Remediation {
  return call(x.projectId === ORG ? "delete_admin_key" : "delete_key", idsOf(x), null, extra);
}

/** The fix for a drift item. */
export function remediateDrift(d: Drift, ctx: RemediationContext): Remediation {
  const live = () => Object.fromEntries(d.changes.map((c) => [c.path, c.actual]));
  switch (d.kind) {
    case "unexpected":
      return d.keyId ? deleteKey(d) : edit(d, { add_entry: { name: d.keyName } });
    case "missing":
      return createMissing(d, ctx);
    case "changed":
    case "project_changed":
      return edit(d, { set: live() });
    case "ambiguous":
      return edit(d, { pin_one_of: (d.candidates ?? []).map((c) => c.id) });
    case "project_missing":
      return edit(d, { remove: "project" });
  }
}

/** A missing service-account key is created through the API; a user's key cannot be. */
function createMissing(d: Drift, ctx: RemediationContext): Remediation {
  const owner = d.keyName === null ? undefined : ctx.owners.get(entryKey(d.projectId, d.keyName));
  if (owner?.type === "service_account" && owner.id) {
    return call("create_key", idsOf(d, owner.id), { name: d.keyName ?? "" });
  }
  if (owner?.type === "service_account") {
    return call("create_service_account", idsOf(d), { name: owner.name });
  }
  return edit(d, { remove: "entry" });
}

/** The fix for a finding: its policy's declared remedy (`policy` absent: a waiver). */
export function remediateFinding(
  f: Finding,
  policy: Policy | undefined,
  ctx: RemediationContext,
): Remediation {
  const remedy = policy?.remedy;
  if (f.keyId === null || !remedy || remedy.action === "waiver") {
    // A family finding's waiver names the family: its key's name ("Secret Key" for every
    // service-account key) would waive the policy for every family.
    const key = f.family ?? f.keyName;
    return edit(f, { add_waiver: { policy: f.policy, project: f.projectId, key } });
  }
  if (remedy.action === "delete_key") return deleteKey(f);
  if (remedy.action === "delete_service_account") return deleteOwner(f);
  // set_expiry: at the end of the lifetime the finding holds, when it and the key's age are
  // known; else `days` from now.
  const limit = remedy.lifetime === undefined ? undefined : f.facts[remedy.lifetime];
  const created = ctx.createdAt.get(f.keyId);
  if (typeof limit === "number" && created !== undefined) {
    const expiry = { from: "created", days: limit } as const;
    const left = created + limit * DAY - ctx.now;
    if (left < 1) return deleteKey(f, { expiry });
    return expire(f, Math.min(left, MAX_EXPIRES_IN), expiry);
  }
  return expire(f, remedy.days * DAY, { from: "now", days: remedy.days });
}

/**
 * Deletes the finding's key with its service account when the finding names one it may delete
 * (`service_account_id`: the account holds nothing else); a user's key (or an admin key) alone.
 * The API deletes a service account's key only with the account (the spec's key delete refuses
 * one), so a key whose account also holds other keys gets the manifest edit that accepts it.
 */
function deleteOwner(f: Finding): Remediation {
  const account = f.facts.service_account_id;
  if (f.projectId === ORG || f.facts.owner_type !== "service_account") return deleteKey(f);
  if (typeof account === "string" && account !== "") {
    return call("delete_service_account", idsOf(f, account), null);
  }
  return edit(f, { add_waiver: { policy: f.policy, project: f.projectId, key: f.family ?? null } });
}

function expire(
  f: Finding,
  seconds: number,
  expiry: NonNullable<Remediation["expiry"]>,
): Remediation {
  // The Admin API has no update for admin keys: the fix is a replacement.
  if (f.projectId === ORG) return deleteKey(f, { expiry });
  const n = Math.max(1, Math.min(MAX_EXPIRES_IN, Math.floor(seconds)));
  return call("set_expiry", idsOf(f), { expires_in_seconds: n }, { expiry });
}
