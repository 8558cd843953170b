/**
 * The policy engine's run: a manifest resolved once ({@link policySetup}), each project's keys
 * (or the organisation's admin keys) evaluated as they are read ({@link evaluateKeys}), with
 * severities and options from the manifest, waivers, and an injected clock; at the end, the
 * waivers no finding used as notes ({@link unusedWaiverNotes}). Pure.
 */
import {
  effectiveOptions,
  effectiveSeverity,
  type Note,
  type OptionValues,
  type Policy,
} from "./policy.ts";
import { type KeyScope, scopeFields } from "./keys.ts";
import { isoDate } from "../core/time.ts";
import type { PolicyOptionSpecs } from "../manifest/schema.ts";
import type {
  DeclaredKey,
  DeclaredProject,
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
}

/** One project to evaluate: as declared, as read, and the entry each matched live key id has. */
export interface ProjectInput {
  declared: DeclaredProject;
  project: LiveProject;
  /** Live key id -> the entry it matched (from the diff). */
  matched: ReadonlyMap<string, DeclaredKey>;
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
  });
}

/** Whether a policy judges the keys of `scope`. */
function judges(policy: Policy, scope: KeyScope): boolean {
  return scope.kind === "organisation"
    ? policy.appliesTo?.adminKeys === true
    : policy.appliesTo?.projectKeys !== false;
}

/** Evaluates the enabled policies that judge this scope over each of its keys. */
export function evaluateKeys(setup: PolicySetup, input: KeysInput): ProjectEvaluation {
  const findings: Finding[] = [];
  const used = new Set<Waiver>();
  const { scope, keys, matched } = input;
  const where = scopeFields(scope);
  const waivers = waiversByPolicy(setup.waivers, where.projectId);
  const context = { scope, keys, serviceAccountsOnly: input.serviceAccountsOnly, now: setup.now };
  const checks = setup.policies.filter((a) => judges(a.policy, scope)).map((active) => ({
    active,
    check: active.policy.forProject({ ...context, options: active.options }),
  }));
  for (const key of keys) {
    const entry = matched.get(key.id) ?? null;
    for (const { active, check } of checks) {
      if (active.policy.readsLastUsedAt && key.lastUsedAt === undefined) continue;
      const facts = check(key, entry);
      if (facts === null) continue;
      const waiver = pickWaiver(waivers.get(active.policy.id) ?? [], key, setup.now);
      if (waiver) used.add(waiver.source);
      findings.push({
        policy: active.policy.id,
        severity: active.severity,
        ...where,
        keyId: key.id,
        keyName: key.name,
        facts,
        waived: waiver?.ref.state === "active",
        waiver: waiver?.ref ?? null,
        location: entry?.location ?? input.location,
      });
    }
  }
  return { findings, waiversUsed: [...used] };
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
  key: LiveKey,
  now: number,
): { source: Waiver; ref: WaiverRef } | null {
  if (!waivers.length) return null;
  const today = isoDate(now);
  let best: { source: Waiver; ref: WaiverRef } | null = null;
  const rank = { active: 0, expired: 1, malformed: 2 };
  for (const w of waivers) {
    if (w.key !== "*" && w.key !== key.name && w.key !== key.id) continue;
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
