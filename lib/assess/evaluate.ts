/**
 * The policy engine's run: a manifest resolved once ({@link policySetup}), each project's keys
 * (or the organisation's admin keys) evaluated as they are read ({@link evaluateKeys}), with
 * severities and options from the manifest, waivers, and an injected clock; at the end, the
 * waivers no finding used as notes ({@link unusedWaiverNotes}). Pure.
 */
import {
  effectiveOptions,
  effectiveSeverity,
  type KeyPolicy,
  type Note,
  type OptionValues,
  type Policy,
} from "./policy.ts";
import type { FamilyState } from "./families.ts";
import { type KeyScope, scopeFields } from "./keys.ts";
import { isoDate } from "../core/time.ts";
import type { PolicyOptionSpecs } from "../manifest/schema.ts";
import type {
  DeclaredKey,
  DeclaredProject,
  Facts,
  Finding,
  LiveKey,
  LiveProject,
  Manifest,
  Severity,
  SourceLocation,
  Waiver,
  WaiverRef,
} from "../core/types.ts";

/** A policy as a run applies it: enabled, with the manifest's severity and options. */
export interface ActivePolicy {
  policy: Policy;
  severity: Severity;
  options: OptionValues<PolicyOptionSpecs>;
}

/** What evaluating any project of a run needs besides the project itself. */
export interface PolicySetup {
  /** The enabled policies, in the order given. */
  policies: readonly ActivePolicy[];
  /** The waivers that may apply (none with `--no-waivers`). */
  waivers: readonly Waiver[];
  /** The clock, in Unix seconds. */
  now: number;
}

/** One set of keys to evaluate: its scope, the keys, and the entry each matched key id has. */
export interface KeysInput {
  scope: KeyScope;
  keys: readonly LiveKey[];
  /** Live key id -> the entry it matched (from the diff). */
  matched: ReadonlyMap<string, DeclaredKey>;
  serviceAccountsOnly: boolean;
  /** Where a finding about a key no entry declares points: the project's (or `admin_keys:`). */
  location: SourceLocation;
  /** The scope's families with their members (from the diff); none for admin keys. */
  families?: readonly FamilyState[];
}

/** One project to evaluate: as declared, as read, and the entry each matched live key id has. */
export interface ProjectInput {
  declared: DeclaredProject;
  project: LiveProject;
  /** Live key id -> the entry it matched (from the diff). */
  matched: ReadonlyMap<string, DeclaredKey>;
  /** The project's families with their members (from the diff). */
  families?: readonly FamilyState[];
}

/** The outcome of evaluating one project. */
export interface ProjectEvaluation {
  /** In key order, then policy order. */
  findings: Finding[];
  /** The waivers that some finding of this project was checked against (applied or not). */
  waiversUsed: Waiver[];
}

/**
 * Resolves a manifest for one run: the enabled policies with their severities and options, the
 * waivers (none when `noWaivers`), and the clock (`now` in milliseconds since the epoch).
 */
export function policySetup(
  policies: readonly Policy[],
  manifest: Manifest,
  opts: { now: number; noWaivers: boolean },
): PolicySetup {
  const active: ActivePolicy[] = [];
  for (const policy of policies) {
    const severity = effectiveSeverity(policy, manifest);
    if (severity === "off") continue;
    active.push({ policy, severity, options: effectiveOptions(policy, manifest) });
  }
  return {
    policies: active,
    waivers: opts.noWaivers ? [] : manifest.waivers,
    now: Math.floor(opts.now / 1000),
  };
}

/**
 * Evaluates every enabled policy over every live key of one project (none when the project was
 * not found): the findings, each with the waiver that applies or that was meant to, and the
 * waivers so used.
 */
export function evaluateProject(setup: PolicySetup, input: ProjectInput): ProjectEvaluation {
  const { declared, project, matched } = input;
  if (!project.found) return { findings: [], waiversUsed: [] };
  return evaluateKeys(setup, {
    scope: { kind: "project", id: declared.id },
    keys: project.keys,
    matched,
    serviceAccountsOnly: declared.serviceAccountsOnly,
    location: declared.location,
    families: input.families ?? [],
  });
}

/** Whether a key policy judges the keys of `scope` (family policies judge project families). */
function judges(policy: Policy, scope: KeyScope): policy is KeyPolicy {
  if (policy.forProject === undefined) return false;
  return scope.kind === "organisation"
    ? policy.appliesTo?.adminKeys === true
    : policy.appliesTo?.projectKeys !== false;
}

/** Evaluates the enabled policies that judge this scope over each of its keys and families. */
export function evaluateKeys(setup: PolicySetup, input: KeysInput): ProjectEvaluation {
  const out: ProjectEvaluation = { findings: [], waiversUsed: [] };
  const finding = recorder(setup, input, out);
  const familyOf = new Map(
    (input.families ?? []).flatMap((s) => s.members.map((k) => [k.id, s.family])),
  );
  const checks = keyChecks(setup, input);
  for (const key of input.keys) {
    const entry = input.matched.get(key.id) ?? null;
    const location = entry?.location ?? familyOf.get(key.id)?.location ?? input.location;
    const about = { key, names: [key.name, key.id], location };
    for (const { active, check } of checks) {
      if (active.policy.readsLastUsedAt && key.lastUsedAt === undefined) continue;
      const facts = check(key, entry);
      if (facts !== null) finding(active, about, facts);
    }
  }
  for (const state of input.families ?? []) {
    for (const active of setup.policies) familyFindings(active, state, setup.now, finding);
  }
  return out;
}

/** What records one finding into `out`, with the waiver that applies or was meant to. */
function recorder(setup: PolicySetup, input: KeysInput, out: ProjectEvaluation) {
  const where = scopeFields(input.scope);
  const waivers = waiversByPolicy(setup.waivers, where.projectId);
  const used = new Set<Waiver>();
  return (active: ActivePolicy, about: About, facts: Facts): void => {
    const waiver = pickWaiver(waivers.get(active.policy.id) ?? [], about.names, setup.now);
    if (waiver && !used.has(waiver.source)) {
      used.add(waiver.source);
      out.waiversUsed.push(waiver.source);
    }
    out.findings.push({
      policy: active.policy.id,
      severity: active.severity,
      ...where,
      keyId: about.key?.id ?? null,
      keyName: about.key?.name ?? null,
      ...(about.family ? { family: about.family } : {}),
      facts,
      waived: waiver?.ref.state === "active",
      waiver: waiver?.ref ?? null,
      location: about.location,
    });
  };
}

/** Each enabled key policy that judges the input's scope, with its check for the input's keys. */
function keyChecks(setup: PolicySetup, input: KeysInput) {
  const { scope, keys } = input;
  const context = { scope, keys, serviceAccountsOnly: input.serviceAccountsOnly, now: setup.now };
  return setup.policies.flatMap((active) =>
    judges(active.policy, scope)
      ? [{ active, check: active.policy.forProject({ ...context, options: active.options }) }]
      : []
  );
}

/** What a finding is about: a key (or none), the names a waiver may give, its family, its place. */
interface About {
  key: LiveKey | null;
  /** What a waiver's `key` may say to match it: the key's name and id, the family's name. */
  names: readonly (string | null)[];
  family?: string;
  location: SourceLocation;
}

/** A family policy's findings about one family, each located at the family's declaration. */
function familyFindings(
  active: ActivePolicy,
  state: FamilyState,
  now: number,
  finding: (active: ActivePolicy, about: About, facts: Facts) => void,
): void {
  const policy = active.policy;
  if (policy.forFamily === undefined) return;
  const { family, members } = state;
  const hits = policy.forFamily({ family, members, options: active.options, now });
  for (const { key, facts } of hits) {
    const names = key ? [key.name, key.id, family.name] : [family.name];
    finding(active, { key, names, family: family.name, location: family.location }, facts);
  }
}

/**
 * A note for each waiver that no finding `used`, only where that is known: its project was read
 * completely in this run (`complete`, project ids). Malformed waivers are reported by the
 * manifest checks instead.
 */
export function unusedWaiverNotes(
  waivers: readonly Waiver[],
  { used, complete }: { used: ReadonlySet<Waiver>; complete: ReadonlySet<string> },
): Note[] {
  return waivers
    .filter((w) => !used.has(w) && !w.problem && complete.has(w.project))
    .map((w) => ({
      kind: "unused_waiver",
      waiver: { policy: w.policy, project: w.project, key: w.key },
      location: w.location,
    }));
}

/** The waivers of one project, by policy id. */
function waiversByPolicy(waivers: readonly Waiver[], projectId: string): Map<string, Waiver[]> {
  const out = new Map<string, Waiver[]>();
  for (const w of waivers) {
    if (w.project !== projectId) continue;
    const list = out.get(w.policy);
    if (list) list.push(w);
    else out.set(w.policy, [w]);
  }
  return out;
}

/**
 * The waiver for this finding among those for its policy and project, preferring one that
 * applies over expired or malformed ones.
 */
function pickWaiver(
  waivers: readonly Waiver[],
  names: readonly (string | null)[],
  now: number,
): { source: Waiver; ref: WaiverRef } | null {
  if (!waivers.length) return null;
  const today = isoDate(now);
  let best: { source: Waiver; ref: WaiverRef } | null = null;
  const rank = { active: 0, expired: 1, malformed: 2 };
  for (const w of waivers) {
    if (w.key !== "*" && !names.includes(w.key)) continue;
    const state = w.problem ? "malformed" : w.expires < today ? "expired" : "active";
    if (!best || rank[state] < rank[best.ref.state]) {
      best = {
        source: w,
        ref: { reason: w.reason, expires: w.expires, location: w.location, state },
      };
    }
  }
  return best;
}
