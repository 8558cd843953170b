/**
 * The fix for each drift item and finding, as data (SPEC 10.5, 11.3): an action, the ids it acts
 * on, and the Admin API call that would do it, or the manifest edit to make when the live state
 * is what was intended. Pure; keydrift never sends any of these (it sends GET only). The words
 * that go with each fix are `render/`'s.
 *
 * This module gives each item its own fix; `fix_plan.ts` then decides the run's fixes as a whole
 * (a service-account key goes with its account, a key whose use is in doubt is not deleted, one
 * call per key). Which endpoint does what is one table, {@link ENDPOINTS}; a finding's fix is its
 * policy's declared `remedy`.
 *
 * A manifest edit is `{ method: "EDIT", path: "<file>:<line>", body }` where body is one of
 * `{ set: { <field>: <value> } }` (write these values into the entry), `{ remove: "entry" |
 * "project" }` (delete the entry or project block), `{ pin_one_of: [ids] }` (write one of these
 * ids as the entry's `id`), `{ add_entry: { name, id } }` (declare the live key) or
 * `{ add_waiver: { policy, project, key } }` (accept the finding with a waiver; its reason and
 * expiry are yours to write).
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
export type Ids = Remediation["ids"];

/** The actions that are an Admin API call. */
export type ApiAction = Exclude<FixAction, "edit_manifest">;

/**
 * One percent-encoded path segment. Every id here passed the id rule where it entered (a server
 * answer, the manifest), so the path names exactly these ids; `pathSegment` throws on one that
 * did not.
 */
const enc = (id: string | null) => pathSegment(id ?? "");
const project = (ids: Ids) => `/organization/projects/${enc(ids.project_id)}`;

/**
 * The Admin API call each action makes, and whether the published OpenAPI spec has it: the one
 * place that says which endpoint does what. Chosen by what the spec says each endpoint accepts:
 * a service-account key is deleted with its account (the spec's key delete answers 400 for one),
 * an admin key by the admin-key delete; an expiry only through the key update endpoint, which the
 * official SDK has (openai-node 7.57.0, `admin.organization.projects.apiKeys.update`) and the
 * published spec does not, and which does not exist for admin keys.
 */
export const ENDPOINTS: {
  readonly [A in ApiAction]: {
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

/** The fix that is the Admin API call `action` on `ids`. */
export function apiCall(
  action: ApiAction,
  ids: Ids,
  body: RemediationBody | null,
  extra: Pick<Remediation, "expiry" | "instead_of"> = {},
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
export function idsOf(x: Drift | Finding, serviceAccount: string | null = null): Ids {
  return {
    project_id: x.projectId === ORG ? null : x.projectId,
    key_id: x.keyId,
    service_account_id: serviceAccount,
  };
}

const where = (l: SourceLocation | null, projectId: string) =>
  l ? `${l.file}:${l.line}` : `project ${projectId}`;

/** The manifest edit `body` for the item (`instead_of`: the call it stands in for, and why). */
export function edit(
  x: Drift | Finding,
  body: RemediationBody,
  extra: Pick<Remediation, "instead_of"> = {},
): Remediation {
  return {
    action: "edit_manifest",
    method: "EDIT",
    path: where(x.location, x.projectId),
    body,
    ids: idsOf(x),
    in_published_spec: null,
    ...extra,
  };
}

/**
 * The manifest edit that accepts the live key as it is: declare an unexpected key (by name and
 * id), or waive a finding (naming its family, or its key by name, or by id when it has none).
 */
export function acceptEdit(x: Drift | Finding): RemediationBody {
  return "kind" in x
    ? { add_entry: { name: x.keyName, id: x.keyId } }
    : { add_waiver: { policy: x.policy, project: x.projectId, key: waiverKey(x) } };
}

/**
 * What a waiver names to accept the finding: a family finding its family (its key's name, "Secret
 * Key" for every service-account key, would waive the policy for every family), else the key by
 * its name, or by its id when it has none.
 */
function waiverKey(f: Finding): string | null {
  return f.family ?? f.keyName ?? f.keyId;
}

/** Deletes the item's key: a project key (`fix_plan.ts` routes a service account's), or an admin key. */
function deleteKey(x: Drift | Finding, extra: Pick<Remediation, "expiry"> = {}): Remediation {
  return apiCall(x.projectId === ORG ? "delete_admin_key" : "delete_key", idsOf(x), null, extra);
}

/** The item's own fix for a drift item. */
export function remediateDrift(d: Drift, ctx: RemediationContext): Remediation {
  const live = () => Object.fromEntries(d.changes.map((c) => [c.path, c.actual]));
  switch (d.kind) {
    case "unexpected":
      return d.keyId ? deleteKey(d) : edit(d, acceptEdit(d));
    case "missing":
      return createMissing(d, ctx);
    case "changed":
    case "project_changed":
      return edit(d, { set: live() });
    case "ambiguous":
      return edit(d, { pin_one_of: (d.candidates ?? []).map((c) => c.id) });
    case "project_missing":
      return edit(d, { remove: "project" });
    case "project_unexpected":
      return edit(d, { add_project: { id: d.projectId, name: d.liveProject?.name ?? null } });
  }
}

/** A missing service-account key is created through the API; a user's key cannot be. */
function createMissing(d: Drift, ctx: RemediationContext): Remediation {
  const owner = d.keyName === null ? undefined : ctx.owners.get(entryKey(d.projectId, d.keyName));
  if (owner?.type === "service_account" && owner.id) {
    return apiCall("create_key", idsOf(d, owner.id), { name: d.keyName ?? "" });
  }
  if (owner?.type === "service_account") {
    return apiCall("create_service_account", idsOf(d), { name: owner.name });
  }
  return edit(d, { remove: "entry" });
}

/** The item's own fix for a finding: its policy's declared remedy (`policy` absent: a waiver). */
export function remediateFinding(
  f: Finding,
  policy: Policy | undefined,
  ctx: RemediationContext,
): Remediation {
  const remedy = policy?.remedy;
  if (f.keyId === null || !remedy || remedy.action === "waiver") return edit(f, acceptEdit(f));
  if (remedy.action === "delete_key") return deleteKey(f);
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

function expire(
  f: Finding,
  seconds: number,
  expiry: NonNullable<Remediation["expiry"]>,
): Remediation {
  // The Admin API has no update for admin keys: the fix is a replacement.
  if (f.projectId === ORG) return deleteKey(f, { expiry });
  const n = Math.max(1, Math.min(MAX_EXPIRES_IN, Math.floor(seconds)));
  return apiCall("set_expiry", idsOf(f), { expires_in_seconds: n }, { expiry });
}
