/**
 * The run's fixes, decided as a whole (SPEC 11.3): each item starts from its own fix
 * (`remediation.ts`), then, in this order,
 *
 * 1. a key whose use `--usage` left in doubt (its `usage_verdict` unknown or inconsistent, or a
 *    finding about use that the usage counts contradict) is not deleted: its fix becomes the
 *    manifest edit that accepts it;
 * 2. a service-account key is deleted with its account (the published spec answers a plain delete
 *    of one with 400), and only when the account holds nothing else the run keeps: no other live
 *    key that no open item deletes (a declared key, an ambiguous entry's candidate, a key left
 *    out by `unmanaged: ignore`) and no declared entry still missing that names the account (by
 *    id, or by name when the entry gives no id). Otherwise the fix is the manifest edit, with what
 *    the account holds;
 * 3. one call per key: among the open items of a key, a delete wins over an expiry, and every
 *    open item of the key carries that one call, so no key gets both a POST and a DELETE.
 *
 * Before all that, no call acts in an archived project (the spec: archived projects "cannot be
 * used or updated"): the fix is the manifest edit.
 *
 * Open items are drift and unwaived findings (what the script holds); a waived finding keeps its
 * own fix and counts for nothing. Linear in the items and the live service-account keys.
 */
import type { Policy } from "../assess/policy.ts";
import { entryKey, type RunFacts, type ServiceAccountKeys } from "../assess/assessment.ts";
import type { Drift, Enriched, Finding, InsteadOf, Remediation } from "../core/types.ts";
import {
  acceptEdit,
  apiCall,
  edit,
  idsOf,
  remediateDrift,
  remediateFinding,
} from "./remediation.ts";

/** What the plan reads: the items (with their enrichment), the policies, the run's facts. */
export interface PlanInput {
  drift: readonly Drift[];
  findings: readonly Finding[];
  policies: readonly Policy[];
  facts: RunFacts;
}

interface Item {
  x: Drift | Finding;
  r: Remediation;
  open: boolean;
}

/** Every item's fix, in the order of `drift` and `findings`. */
export function planFixes(a: PlanInput): { drift: Remediation[]; findings: Remediation[] } {
  const policies = new Map(a.policies.map((p) => [p.id, p]));
  const items: Item[] = [
    ...a.drift.map((x) => ({ x, r: remediateDrift(x, a.facts), open: true })),
    ...a.findings.map((x) => ({
      x,
      r: remediateFinding(x, policies.get(x.policy), a.facts),
      open: !x.waived,
    })),
  ];
  noCallsInArchived(items, a.facts.archived);
  withholdInDoubt(items);
  throughAccounts(items, a);
  oneCallPerKey(items);
  return {
    drift: items.slice(0, a.drift.length).map((i) => i.r),
    findings: items.slice(a.drift.length).map((i) => i.r),
  };
}

/** The key of an item's key: its project and id (admin keys: the organisation). */
const keyOf = (x: Drift | Finding) => entryKey(x.projectId, x.keyId ?? "");

/**
 * Why the item's key's use is in doubt, or null: by the usage verdict on the item (SPEC 11.3), its
 * use is unknown (a family failed or answered short and none counted a request, or no usage was
 * read for it) or inconsistent (usage reads zero while its `last_used_at` or its spend falls in
 * the window), or a finding about use is contradicted by requests the usage API counts.
 */
function doubtOf(x: Enriched): InsteadOf["because"] | null {
  if (x.usage === null || x.usageVerdict === "unknown") return "use_unknown";
  if (x.usageVerdict === "inconsistent" || x.usageContradicts) return "use_inconsistent";
  return null;
}

/** No call in an archived project: the API changes nothing there. */
function noCallsInArchived(items: Item[], archived: ReadonlySet<string>): void {
  if (!archived.size) return;
  for (const i of items) {
    if (i.r.method === "EDIT" || !archived.has(i.x.projectId)) continue;
    const body = i.x.keyId === null ? { remove: "entry" as const } : acceptEdit(i.x);
    i.r = edit(i.x, body, { instead_of: { action: i.r.action, because: "project_archived" } });
  }
}

/** Step 1: no delete of a key whose use is in doubt (by any of its items). */
function withholdInDoubt(items: Item[]): void {
  const doubt = new Map<string, InsteadOf["because"]>();
  for (const { x } of items) {
    const why = x.keyId === null ? null : doubtOf(x);
    if (why && !doubt.has(keyOf(x))) doubt.set(keyOf(x), why);
  }
  if (!doubt.size) return;
  for (const i of items) {
    const because = i.x.keyId === null ? undefined : doubt.get(keyOf(i.x));
    if (because && i.r.action === "delete_key") {
      i.r = edit(i.x, acceptEdit(i.x), { instead_of: { action: i.r.action, because } });
    }
  }
}

/** Step 2: a service-account key's delete goes through its account, when it holds nothing else. */
function throughAccounts(items: Item[], a: PlanInput): void {
  const accountOf = new Map<string, ServiceAccountKeys>();
  for (const [at, sa] of a.facts.accounts) {
    const projectId = at.slice(0, at.indexOf("\u0000"));
    for (const k of sa.keys) accountOf.set(entryKey(projectId, k), sa);
  }
  const deleted = new Set(
    items.filter((i) => i.open && i.r.action === "delete_key").map((i) => keyOf(i.x)),
  );
  const holdings = new Map<ServiceAccountKeys, { keys: string[]; entries: string[] }>();
  const missing = missingEntries(a);
  for (const i of items) {
    const sa = i.r.action === "delete_key" ? accountOf.get(keyOf(i.x)) : undefined;
    if (!sa) continue;
    const p = i.x.projectId;
    if (!holdings.has(sa)) {
      holdings.set(sa, {
        keys: sa.keys.filter((k) => !deleted.has(entryKey(p, k))),
        entries: (missing.get(p) ?? []).filter((e) => e.owns(sa)).map((e) => e.name),
      });
    }
    const held = holdings.get(sa)!;
    const keys = held.keys.filter((k) => k !== i.x.keyId);
    const action = "delete_service_account";
    i.r = keys.length || held.entries.length
      ? edit(i.x, acceptEdit(i.x), {
        instead_of: {
          action,
          because: "service_account_holds",
          account: { id: sa.id, keys, entries: held.entries },
        },
      })
      : apiCall(action, idsOf(i.x, sa.id), null, i.r.expiry ? { expiry: i.r.expiry } : {});
  }
}

/** The declared entries still missing, by project, each with a test of the account it names. */
function missingEntries(
  a: PlanInput,
): Map<string, { name: string; owns: (sa: ServiceAccountKeys) => boolean }[]> {
  const out = new Map<string, { name: string; owns: (sa: ServiceAccountKeys) => boolean }[]>();
  for (const d of a.drift) {
    if (d.kind !== "missing" || d.keyName === null) continue;
    const owner = a.facts.owners.get(entryKey(d.projectId, d.keyName));
    if (owner?.type !== "service_account") continue;
    const owns = (sa: ServiceAccountKeys) => owner.id ? owner.id === sa.id : owner.name === sa.name;
    const list = out.get(d.projectId) ?? out.set(d.projectId, []).get(d.projectId)!;
    list.push({ name: d.keyName, owns });
  }
  return out;
}

/** How strongly a call acts on its key: a delete (of the key or its account) wins over an expiry. */
const RANK: Partial<Record<Remediation["action"], number>> = {
  delete_key: 2,
  delete_service_account: 2,
  delete_admin_key: 2,
  set_expiry: 1,
};

/** Step 3: every open item of a key carries the strongest call any open item of it makes. */
function oneCallPerKey(items: Item[]): void {
  const best = new Map<string, Remediation>();
  for (const i of items) {
    const rank = RANK[i.r.action];
    if (!i.open || rank === undefined || i.x.keyId === null) continue;
    const had = best.get(keyOf(i.x));
    if (!had || RANK[had.action]! < rank) best.set(keyOf(i.x), i.r);
  }
  for (const i of items) {
    const rank = RANK[i.r.action];
    if (!i.open || rank === undefined || i.x.keyId === null) continue;
    const call = best.get(keyOf(i.x))!;
    if (RANK[call.action]! > rank) {
      const { instead_of: _, ...same } = call;
      i.r = { ...same, instead_of: { action: i.r.action, because: "key_deleted" } };
    }
  }
}
