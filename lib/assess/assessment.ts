/**
 * The assess stage of `check`, one project at a time: each project read is diffed and its keys
 * evaluated as it arrives, then let go; once every project is in, the result is an
 * {@link Assessment}: a value that the later stages (enrich, baseline marking, the report) take
 * and give back, with the facts they need about the run carried on it. Memory stays flat in the
 * number of live keys (only drift, findings and one number per key are kept).
 */
import { append } from "../core/arrays.ts";
import { addCounts, byOrder, type DiffCounts, diffProject, undeclaredProject } from "./diff.ts";
import { effectiveOptions, type Note, type OptionValues, type Policy } from "./policy.ts";
import { evaluateProject, type PolicySetup, policySetup, unusedWaiverNotes } from "./evaluate.ts";
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
  ReadSource,
  RunError,
  SnapshotUse,
  Waiver,
} from "../core/types.ts";

/** Options of one assessment: the run's clock and whether waivers apply */
export interface AssessOptions {
  /** The clock for policies, in ms since the epoch (one instant for the whole run). */
  now: number;
  noWaivers: boolean;
  /** Whether the live projects no manifest declares are read (issue 21). */
  undeclared?: boolean;
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
  /**
   * Whether the live projects no manifest declares were read (issue 21): not with
   * `unmanaged_projects: ignore`, nor with `--project`.
   */
  undeclaredChecked: boolean;
  /** Where each project's live state came from (issue 21), by project id. */
  sources: ReadonlyMap<string, ReadSource>;
  /** How the run used `--snapshot` (issue 21); absent without it. */
  snapshot?: SnapshotUse;
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

const NOW: ReadSource = { from: "api" };

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
    undeclaredChecked: false,
    sources: new Map(),
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
export function assessment(
  manifest: Manifest,
  policies: readonly Policy[],
  opts: AssessOptions,
): Assessor {
  return new Assessor(manifest, policies, opts);
}

/** The assessment being made: what {@link assessment} returns. */
export class Assessor {
  readonly #a: Assessment;
  readonly #setup: PolicySetup;
  readonly #waiversUsed = new Set<Waiver>();
  readonly #adminFindings: Finding[] = [];
  readonly #complete = new Set<string>();
  readonly #live: LiveFacts = {
    createdAt: new Map(),
    lastUsedAt: new Map(),
    accounts: new Map(),
    archived: new Set(),
  };
  readonly #sources = new Map<string, ReadSource>();
  /** Policies that read `last_used_at`, which moves without an audit event (issue 21). */
  readonly #dated: ReadonlySet<string>;

  constructor(
    readonly manifest: Manifest,
    readonly policies: readonly Policy[],
    opts: AssessOptions,
  ) {
    this.#a = emptyAssessment(manifest, policies);
    this.#a.undeclaredChecked = opts.undeclared === true;
    this.#a.sources = this.#sources;
    this.#setup = policySetup(policies, manifest, opts);
    this.#dated = new Set(policies.filter((p) => p.readsLastUsedAt).map((p) => p.id));
  }

  /** One project, completely read (found or not), now or from the snapshot (`source`). */
  add(declared: DeclaredProject, project: LiveProject, source: ReadSource = NOW): void {
    const a = this.#a;
    this.#sources.set(declared.id, source);
    const diffed = diffProject(declared, project);
    for (const d of diffed.drift) a.drift.push(d);
    addCounts(a.counts, diffed.counts);
    const { matched, families } = diffed;
    const evaluated = evaluateProject(this.#setup, { declared, project, matched, families });
    for (const x of families) a.families.push(familySummary(declared.id, x, this.#setup.now));
    for (const f of evaluated.findings) {
      // `last_used_at` moves without an audit event: such a finding holds as of the snapshot.
      if (source.from === "snapshot" && this.#dated.has(f.policy)) f.dataAsOf = source.readAt;
      a.findings.push(f);
    }
    for (const w of evaluated.waiversUsed) this.#waiversUsed.add(w);
    liveFacts(project, this.#live);
    if (project.found) a.liveKeys += project.keys.length;
    this.#complete.add(declared.id);
  }

  /** A live project no manifest declares (issue 21), read because `unmanaged_projects` is on. */
  undeclared(project: LiveProject, source: ReadSource = NOW): void {
    const m = this.manifest;
    const d = undeclaredProject(project, m.unmanagedProjects ?? "error", m.projectsAt ?? null);
    if (!d) return;
    this.#sources.set(project.id, source);
    this.#a.drift.push(d);
  }

  /** The organisation's admin keys, read because the manifest has `admin_keys:` (issue 14). */
  adminKeys(live: readonly LiveAdminKey[]): void {
    const a = this.#a;
    const out = { drift: a.drift, findings: this.#adminFindings, counts: a.counts };
    assessAdminKeys(this.manifest, live, this.#setup, out);
    a.liveKeys += live.length;
    a.adminKeysChecked = true;
  }

  /** The assessment, once every project is in; `errors` name what could not be read. */
  done(errors: RunError[]): Assessment {
    const a = this.#a;
    a.drift.sort(byOrder);
    a.families.sort(byProject);
    const used = { used: this.#waiversUsed, complete: this.#complete };
    a.notes = unusedWaiverNotes(this.#setup.waivers, used);
    append(a.findings, this.#adminFindings);
    a.findings.sort(findingOrder);
    a.errors = errors;
    const declared = declaredFacts(this.manifest, this.policies);
    a.facts = { now: this.#setup.now, ...this.#live, ...declared };
    return a;
  }
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
