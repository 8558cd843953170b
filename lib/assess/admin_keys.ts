/**
 * Admin API keys (issue 14, SPEC 10.6): the manifest's `admin_keys:` compared with the
 * organisation's admin keys by the rules of SPEC 4 (the same key matching as a project's), and
 * evaluated by the policies that say they judge admin keys (`appliesTo.adminKeys`). Pure.
 *
 * The organisation is a scope of its own: its items carry `keyType: "admin"` (and the project id
 * `ORG`, empty, so that they sort before every project); the JSON report writes `project_id: null`.
 * An admin key may have no name, and its `last_used_at` may be absent: neither is ever compared
 * or judged.
 */
import { append } from "../core/arrays.ts";
import { addCounts, type DiffCounts, diffKeys, emptyDiff } from "./keys.ts";
import { evaluateKeys, type PolicySetup } from "./evaluate.ts";
import type {
  DeclaredKey,
  Drift,
  Finding,
  LiveAdminKey,
  LiveKey,
  Manifest,
} from "../core/types.ts";

/** An admin key as a live key: its name and `last_used_at` as the API sent them. */
function asLiveKey(k: LiveAdminKey): LiveKey {
  return {
    id: k.id,
    name: k.name,
    redactedValue: k.redactedValue,
    createdAt: k.createdAt,
    lastUsedAt: k.lastUsedAt,
    expiresAt: k.expiresAt,
    ownerProjectAccess: "active",
    owner: {
      type: k.owner.type,
      id: k.owner.id,
      name: k.owner.name,
      ...(k.owner.role !== undefined && k.owner.role !== null ? { role: k.owner.role } : {}),
    },
  };
}

/** The `admin_keys:` entries as compared: the Admin API sends no owner email for admin keys. */
function entries(manifest: Manifest): DeclaredKey[] {
  // A declared email is documentation only.
  return manifest.adminKeys!.keys.map(({ owner: { email: _email, ...owner }, ...k }) => ({
    ...k,
    owner,
  }));
}

/**
 * Drift and findings for the organisation's admin keys, added to `drift`, `findings` and `counts`.
 * Only called when the manifest has an `admin_keys:` section.
 */
export function assessAdminKeys(
  manifest: Manifest,
  live: readonly LiveAdminKey[],
  setup: PolicySetup,
  out: { drift: Drift[]; findings: Finding[]; counts: DiffCounts },
): void {
  const a = manifest.adminKeys!;
  const scope = { kind: "organisation" } as const;
  const keys = live.map(asLiveKey);
  const diffed = emptyDiff();
  diffKeys({
    scope,
    entries: entries(manifest),
    keys,
    unmanaged: a.unmanaged,
    location: a.location,
  }, diffed);
  append(out.drift, diffed.drift);
  addCounts(out.counts, diffed.counts);
  const { findings } = evaluateKeys(setup, {
    scope,
    keys,
    matched: diffed.matched,
    serviceAccountsOnly: false,
    location: a.location,
  });
  append(out.findings, findings);
}
