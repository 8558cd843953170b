/**
 * Admin API keys (issue 14, SPEC 10.6): the manifest's `admin_keys:` compared with the
 * organisation's admin keys by the rules of SPEC 4 (the project diff's own matching, reused), and
 * the key policies that apply to a key that is not in a project. Pure.
 *
 * Admin-key drift and findings carry `keyType: "admin"` and the project id {@link ORG} (empty: it
 * sorts before every project, so every format shows them first); the JSON report writes
 * `project_id: null`.
 */
import { addCounts, type DiffCounts, diffProject } from "./diff.ts";
import { evaluateProject, type Policy, policySetup } from "./policy.ts";
import type {
  DeclaredProject,
  Drift,
  Finding,
  LiveAdminKey,
  LiveKey,
  LiveProject,
  Manifest,
} from "../core/types.ts";
import { ORG } from "../core/types.ts";

/** The policies that judge a key by its own dates, which an admin key has as a project key does. */
export const ADMIN_KEY_POLICIES: readonly string[] = [
  "key-unused",
  "key-never-used",
  "key-max-age",
  "key-no-expiry",
  "key-expiry-too-long",
  "key-expiring-soon",
  "key-expired",
];

/** Policies that read `last_used_at`: not run on a key whose answer did not carry it. */
const USAGE_POLICIES = new Set(["key-unused", "key-never-used"]);

/** An admin key in the shape the diff and the policy engine read. */
function asLiveKey(k: LiveAdminKey): LiveKey {
  return {
    id: k.id,
    // The API allows an admin key without a name; it then matches no named entry.
    name: k.name ?? "",
    redactedValue: k.redactedValue,
    createdAt: k.createdAt,
    lastUsedAt: k.lastUsedAt ?? null,
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

/** The `admin_keys:` section as the diff reads a project. */
function declaredOrg(manifest: Manifest): DeclaredProject {
  const a = manifest.adminKeys!;
  return {
    id: ORG,
    unmanaged: a.unmanaged,
    serviceAccountsOnly: false,
    // The Admin API sends no owner email for admin keys: a declared one is documentation only.
    keys: a.keys.map(({ owner: { email: _email, ...owner }, ...k }) => ({ ...k, owner })),
    location: a.location,
  };
}

/**
 * Drift and findings for the organisation's admin keys, added to `drift`, `findings` and `counts`.
 * Only called when the manifest has an `admin_keys:` section.
 */
export function assessAdminKeys(
  manifest: Manifest,
  live: readonly LiveAdminKey[],
  policies: readonly Policy[],
  opts: { now: number; noWaivers: boolean },
  out: { drift: Drift[]; findings: Finding[]; counts: DiffCounts },
): void {
  const declared = declaredOrg(manifest);
  const keys = live.map(asLiveKey);
  const project: LiveProject = { id: ORG, found: true, name: null, status: null, keys };
  const { drift, matched, counts } = diffProject(declared, project);
  addCounts(out.counts, counts);
  const unnamed = new Set(live.filter((k) => k.name === null).map((k) => k.id));
  for (const d of drift) {
    if (d.kind === "changed" && d.keyId !== null && unnamed.has(d.keyId)) {
      // An absent value is never compared (SPEC 10.1): an unnamed key has no name to differ.
      const changes = d.changes.filter((c) => c.path !== "name");
      if (!changes.length) {
        out.counts.inSync++;
        continue;
      }
      d.changes = changes;
    }
    out.drift.push({
      ...d,
      keyType: "admin",
      keyName: d.keyId !== null && unnamed.has(d.keyId) ? null : d.keyName,
    });
  }
  const setup = policySetup(
    policies.filter((p) => ADMIN_KEY_POLICIES.includes(p.id)),
    manifest,
    opts,
  );
  const { findings } = evaluateProject(setup, { declared, project, matched });
  const noUsage = new Set(live.filter((k) => k.lastUsedAt === undefined).map((k) => k.id));
  for (const f of findings) {
    if (f.keyId !== null && noUsage.has(f.keyId) && USAGE_POLICIES.has(f.policy)) continue;
    out.findings.push({
      ...f,
      keyType: "admin",
      keyName: f.keyId !== null && unnamed.has(f.keyId) ? null : f.keyName,
    });
  }
}
