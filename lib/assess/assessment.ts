/**
 * The assess stage of `check`, one project at a time: each project read is diffed and its keys
 * evaluated as it arrives, then let go; once every project is in, the result is an
 * {@link Assessment}: a value that the later stages (enrich, baseline marking, the report) take
 * and give back, with the facts they need about the run carried on it. Memory stays flat in the
 * number of live keys (only drift, findings and one number per key are kept).
 */
import { append } from "../core/arrays.ts";
import { addCounts, byOrder, type DiffCounts, diffProject } from "./diff.ts";
import { effectiveOptions, type Note, type OptionValues, type Policy } from "./policy.ts";
import { evaluateProject, policySetup, unusedWaiverNotes } from "./evaluate.ts";
import type { PolicyOptionSpecs } from "../manifest/schema.ts";
import { assessAdminKeys } from "./admin_keys.ts";
import type {
  DeclaredOwner,
  DeclaredProject,
  Drift,
  Finding,
  LiveAdminKey,
  LiveProject,
  Manifest,
  RunError,
  Waiver,
} from "../core/types.ts";

/** Options of one assessment: the run's clock and whether waivers apply */
export interface AssessOptions {
  /** The clock for policies, in ms since the epoch (one instant for the whole run). */
  now: number;
  noWaivers: boolean;
}

/** What later stages need to know of the run beyond its items: plain data, no callbacks. */
export interface RunFacts {
  /** The policies' clock, Unix seconds. */
  now: number;
  /** Each live key's `created_at` (Unix seconds), by key id. */
  createdAt: ReadonlyMap<string, number>;
  /**
   * Each live project key's `last_used_at` (Unix seconds, null: never used), by key id; keys whose
   * answer lacks the field are left out (absent: not known for any key).
   */
  lastUsedAt?: ReadonlyMap<string, number | null>;
  /** The owner of each declared entry, by {@link entryKey} (the first entry of a name). */
  owners: ReadonlyMap<string, DeclaredOwner>;
  /** Each policy's option values as this run used them (manifest over defaults), by policy id. */
  options: ReadonlyMap<string, OptionValues<PolicyOptionSpecs>>;
  /**
   * Each service account's live keys in its project (all of them, whatever the run made of each),
   * by {@link entryKey} of the project and the account id: what deleting the account deletes.
   */
  accounts: ReadonlyMap<string, ServiceAccountKeys>;
  /** The ids of the projects read as archived (the API changes nothing in them). */
  archived: ReadonlySet<string>;
}

/** A service account of a project, as the live keys show it: its name and its keys' ids. */
export interface ServiceAccountKeys {
  id: string;
  name: string;
  keys: readonly string[];
}

/** The manifest assessed against the live state: every stage after `assess` reads and extends it. */
export interface Assessment {
  /** The (scoped) manifest; null when the run failed before one was loaded. */
  manifest: Manifest | null;
  /** The policies this run knew of. */
  policies: readonly Policy[];
  /** In report order. */
  drift: Drift[];
  /** In report order. */
  findings: Finding[];
  counts: DiffCounts;
  /** Warnings about the manifest (waivers that match nothing). */
  notes: Note[];
  /** What could not be read. */
  errors: RunError[];
  liveKeys: number;
  /** Whether the organisation's admin keys were read and compared (issue 14). */
  adminKeysChecked: boolean;
  facts: RunFacts;
  /** The fleet organisation this assessment is of (manifest `orgs:`); absent without `orgs:`. */
  org?: string;
}

/** The assessment of one fleet organisation: every item and error carries its `org`. */
export function ofOrg(a: Assessment, org: string): Assessment {
  return {
    ...a,
    org,
    drift: a.drift.map((d) => ({ ...d, org })),
    findings: a.findings.map((f) => ({ ...f, org })),
    errors: a.errors.map((e) => ({ ...e, org })),
  };
}

/** The key of {@link RunFacts.owners}: a project id and an entry name. */
export function entryKey(projectId: string, keyName: string): string {
  return `${projectId}\u0000${keyName}`;
}

/** An assessment of nothing: what a run that stopped before comparing anything reports. */
export function emptyAssessment(
  manifest: Manifest | null,
  policies: readonly Policy[],
  errors: RunError[] = [],
): Assessment {
  return {
    manifest,
    policies,
    drift: [],
    findings: [],
    counts: { inSync: 0, candidates: 0, ignored: 0, inMissingProjects: 0 },
    notes: [],
    errors,
    liveKeys: 0,
    adminKeysChecked: false,
    facts: {
      now: 0,
      createdAt: new Map(),
      owners: new Map(),
      options: new Map(),
      accounts: new Map(),
      archived: new Set(),
    },
  };
}

/**
 * An assessment of the manifest against live state, fed one project at a time (`add`), then the
 * admin keys (`adminKeys`), that ends in the {@link Assessment} (`done`).
 */
export function assessment(manifest: Manifest, policies: readonly Policy[], opts: AssessOptions) {
  const a = emptyAssessment(manifest, policies);
  const setup = policySetup(policies, manifest, opts);
  const waiversUsed = new Set<Waiver>();
  const adminFindings: Finding[] = [];
  const complete = new Set<string>();
  const keys: KeyMaps = { createdAt: new Map(), lastUsedAt: new Map() };
  const accounts = new Map<string, { id: string; name: string; keys: string[] }>();
  const archived = new Set<string>();
  return {
    /** One project, completely read (found or not). */
    add(declared: DeclaredProject, project: LiveProject): void {
      const diffed = diffProject(declared, project);
      for (const d of diffed.drift) a.drift.push(d);
      addCounts(a.counts, diffed.counts);
      const matched = diffed.matched;
      const evaluated = evaluateProject(setup, { declared, project, matched });
      for (const f of evaluated.findings) a.findings.push(f);
      for (const w of evaluated.waiversUsed) waiversUsed.add(w);
      keyFacts(project, keys, accounts);
      if (project.found) a.liveKeys += project.keys.length;
      if (project.status === "archived") archived.add(project.id);
      complete.add(declared.id);
    },
    /** The organisation's admin keys, read because the manifest has `admin_keys:` (issue 14). */
    adminKeys(live: readonly LiveAdminKey[]): void {
      const out = { drift: a.drift, findings: adminFindings, counts: a.counts };
      assessAdminKeys(manifest, live, setup, out);
      a.liveKeys += live.length;
      a.adminKeysChecked = true;
    },
    /** The assessment, once every project is in; `errors` name what could not be read. */
    done(errors: RunError[]): Assessment {
      a.drift.sort(byOrder);
      a.notes = unusedWaiverNotes(setup.waivers, { used: waiversUsed, complete });
      append(a.findings, adminFindings);
      a.findings.sort(findingOrder);
      a.errors = errors;
      a.facts = {
        now: setup.now,
        ...keys,
        accounts,
        archived,
        ...declaredFacts(manifest, policies),
      };
      return a;
    },
  };
}

/** Each live key's `created_at` and `last_used_at`, by key id (see {@link RunFacts}). */
type KeyMaps = { createdAt: Map<string, number>; lastUsedAt: Map<string, number | null> };

/**
 * Each key's `created_at` and (when sent) `last_used_at`, and each service account's keys, into
 * the run's facts.
 */
function keyFacts(
  project: LiveProject,
  into: KeyMaps,
  accounts: Map<string, { id: string; name: string; keys: string[] }>,
): void {
  for (const k of project.keys) {
    into.createdAt.set(k.id, k.createdAt);
    if (k.lastUsedAt !== undefined) into.lastUsedAt.set(k.id, k.lastUsedAt);
    if (k.owner.type !== "service_account") continue;
    const at = entryKey(project.id, k.owner.id);
    const sa = accounts.get(at) ??
      accounts.set(at, { id: k.owner.id, name: k.owner.name, keys: [] }).get(at)!;
    sa.keys.push(k.id);
  }
}

/** Each entry's owner and each policy's options, resolved once per run. */
function declaredFacts(
  manifest: Manifest,
  policies: readonly Policy[],
): Pick<RunFacts, "owners" | "options"> {
  const owners = new Map<string, DeclaredOwner>();
  for (const p of manifest.projects) {
    for (const k of p.keys) {
      const at = entryKey(p.id, k.name);
      if (!owners.has(at)) owners.set(at, k.owner);
    }
  }
  const options = new Map(policies.map((p) => [p.id, effectiveOptions(p, manifest)]));
  return { owners, options };
}

/** Findings by project, key name, key id, then policy. */
function findingOrder(a: Finding, b: Finding): number {
  const c = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  return c(a.projectId, b.projectId) || c(a.keyName ?? "", b.keyName ?? "") ||
    c(a.keyId ?? "", b.keyId ?? "") ||
    c(a.policy, b.policy);
}
