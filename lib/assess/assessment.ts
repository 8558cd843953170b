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
import {
  evaluateProject,
  type PolicySetup,
  policySetup,
  type ProjectEvaluation,
  unusedWaiverNotes,
} from "./evaluate.ts";
import type { PolicyOptionSpecs } from "../manifest/schema.ts";
import { assessAdminKeys } from "./admin_keys.ts";
import { type FamilySummary, familySummary } from "./families.ts";
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
  /** The key families of the projects read (SPEC 11.4), by project id then declared order. */
  families: FamilySummary[];
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
    families: [],
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
  const live: LiveFacts = {
    createdAt: new Map(),
    lastUsedAt: new Map(),
    accounts: new Map(),
    archived: new Set(),
  };
  return {
    /** One project, completely read (found or not). */
    add(declared: DeclaredProject, project: LiveProject): void {
      const evaluated = assessProject(a, setup, declared, project);
      for (const w of evaluated.waiversUsed) waiversUsed.add(w);
      liveFacts(project, live);
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
      a.families.sort(byProject);
      a.notes = unusedWaiverNotes(setup.waivers, { used: waiversUsed, complete });
      append(a.findings, adminFindings);
      a.findings.sort(findingOrder);
      a.errors = errors;
      a.facts = { now: setup.now, ...live, ...declaredFacts(manifest, policies) };
      return a;
    },
  };
}

/** One project diffed and evaluated into `a`: its drift, counts, families and findings. */
function assessProject(
  a: Assessment,
  setup: PolicySetup,
  declared: DeclaredProject,
  project: LiveProject,
): ProjectEvaluation {
  const diffed = diffProject(declared, project);
  for (const d of diffed.drift) a.drift.push(d);
  addCounts(a.counts, diffed.counts);
  const { matched, families } = diffed;
  const evaluated = evaluateProject(setup, { declared, project, matched, families });
  for (const f of families) a.families.push(familySummary(declared.id, f, setup.now));
  for (const f of evaluated.findings) a.findings.push(f);
  if (project.found) a.liveKeys += project.keys.length;
  return evaluated;
}

/** What the run's facts hold of the live projects (see {@link RunFacts}). */
type LiveFacts = {
  createdAt: Map<string, number>;
  lastUsedAt: Map<string, number | null>;
  accounts: Map<string, { id: string; name: string; keys: string[] }>;
  archived: Set<string>;
};

/**
 * Each key's `created_at` and (when sent) `last_used_at`, each service account's keys, and
 * whether the project is archived, into the run's facts.
 */
function liveFacts(project: LiveProject, into: LiveFacts): void {
  if (project.status === "archived") into.archived.add(project.id);
  const accounts = into.accounts;
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

/** By project id only: a project's families stay in the order declared (the sort is stable). */
function byProject(x: FamilySummary, y: FamilySummary): number {
  return x.projectId < y.projectId ? -1 : x.projectId > y.projectId ? 1 : 0;
}

/** Findings by project, key name, key id, policy, then family. */
function findingOrder(a: Finding, b: Finding): number {
  const c = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  return c(a.projectId, b.projectId) || c(a.keyName ?? "", b.keyName ?? "") ||
    c(a.keyId ?? "", b.keyId ?? "") ||
    c(a.policy, b.policy) || c(a.family ?? "", b.family ?? "");
}
