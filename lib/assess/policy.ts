/**
 * The policy engine: the {@link Policy} type, and a pure evaluation of one project's live keys
 * against the enabled policies, with severities and options from the manifest, waivers, and an
 * injected clock.
 *
 * A run resolves the manifest once ({@link policySetup}), evaluates each project as it is read
 * ({@link evaluateProject}), and at the end turns the waivers no finding used into notes
 * ({@link unusedWaiverNotes}).
 */
import type {
  PolicyOptionSpec,
  PolicyOptionSpecs,
  PolicySchemaSource,
} from "../manifest/schema.ts";
import { isoDate } from "../core/time.ts";
import { type KeyScope, scopeFields } from "./diff.ts";
import type {
  DeclaredKey,
  DeclaredProject,
  Facts,
  Finding,
  LiveKey,
  LiveProject,
  Manifest,
  PolicySeverity,
  Severity,
  SourceLocation,
  Waiver,
  WaiverRef,
} from "../core/types.ts";

/** The TypeScript type of an option value, from its spec's `type`. */
export type OptionValue<T extends PolicyOptionSpec["type"]> = T extends "integer" ? number
  : T extends "boolean" ? boolean
  : string;

/** The option values a policy receives, defaults filled in, typed from its option specs. */
export type OptionValues<S extends PolicyOptionSpecs> = {
  readonly [K in keyof S]: OptionValue<S[K]["type"]>;
};

/** What a policy sees of the project it is about to check. */
export interface ProjectContext<O> {
  /** Where the keys are: a project, or the organisation (its admin keys). */
  scope: KeyScope;
  /** The live keys of the scope, as read from the API. */
  keys: readonly LiveKey[];
  /** Whether the project allows service-account keys only (false for admin keys). */
  serviceAccountsOnly: boolean;
  /** The policy's option values for this run. */
  options: O;
  /** The clock, in Unix seconds. */
  now: number;
}

/**
 * The check of one live key: what it found, as facts its policy's `message` template words, or
 * null when the key complies. `entry` is the manifest entry the key matched, if any.
 */
export type KeyCheck = (key: LiveKey, entry: DeclaredKey | null) => Facts | null;

/**
 * What fixes a policy's finding, as data (the words are `render/`'s):
 * - `delete_key`: delete the key; `summary` says why, for people.
 * - `set_expiry`: give the key an expiry, `days` from now, or at the end of the lifetime the
 *   finding's `lifetime` fact holds (in days from its creation; past it, the fix is a
 *   replacement, then deleting it).
 * - `waiver`: no API call fixes it: `summary` says what would (rotate, rename...), or accept the
 *   finding with a waiver.
 */
export type Remedy =
  | { action: "delete_key"; summary: string }
  | { action: "set_expiry"; days: number; lifetime?: string }
  | { action: "waiver"; summary?: string };

/** A built-in (or test-supplied) credential-hygiene policy; `S` are its option specs. */
export interface Policy<S extends PolicyOptionSpecs = PolicyOptionSpecs>
  extends PolicySchemaSource {
  /** The options the manifest may set, with their types and defaults. */
  options: S;
  /** Why the policy exists. */
  rationale: string;
  /** Where the threshold comes from (CIS, AWS Config, GitHub, OpenAI guidance). */
  source: string;
  /**
   * What a finding says, as a template over its facts: `{days}` is a fact as written, `{at|date}`
   * a Unix time as `YYYY-MM-DD`, `{owner|owner}` the owner whose `owner_type`, `owner_name` and
   * `owner_email` facts the finding carries (`user "Ana" <ana@x>`). `render/` fills it.
   */
  message: string;
  /** What fixes a finding (default: a waiver, or fixing the key by hand). */
  remedy?: Remedy;
  /** Which keys it judges; by default project keys only. */
  appliesTo?: { projectKeys: boolean; adminKeys: boolean };
  /**
   * It judges `last_used_at`: it is not run on a key whose answer lacks the field (admin keys from
   * older servers), and `--usage` says where the usage API contradicts it.
   */
  readsLastUsedAt?: boolean;
  /**
   * The policy's check for the keys of one project (or the organisation's admin keys). Work shared
   * by the keys (grouping them, compiling a pattern) belongs here, so that it is done once. (Method syntax
   * on purpose: it lets a `Policy<S>` of any specs stand in a `Policy[]`.)
   */
  forProject(context: ProjectContext<OptionValues<S>>): KeyCheck;
}

/** Declares a policy, so that the types of the options `forProject` receives follow its specs. */
export function definePolicy<S extends PolicyOptionSpecs>(policy: Policy<S>): Policy<S> {
  return policy;
}

/** A warning about the manifest found while evaluating: a waiver that matched no finding. */
export interface Note {
  kind: "unused_waiver";
  waiver: { policy: string; project: string; key: string };
  location: SourceLocation;
}

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

export { DAY, days, isoDate } from "../core/time.ts";

/** A key's owner as facts (`{owner|owner}` in a message template words them). */
export function ownerFacts(key: LiveKey): Facts {
  const o = key.owner;
  return { owner_type: o.type, owner_name: o.name, owner_email: o.email ?? null };
}

/** The severity a policy runs at, after the manifest's override. */
export function effectiveSeverity(policy: Policy, manifest: Manifest): PolicySeverity {
  return manifest.policies.get(policy.id)?.severity ?? policy.defaultSeverity;
}

/**
 * A policy's option values for a manifest: the manifest's values over the defaults. Throws a
 * `TypeError` for a value of the wrong type, which a loaded manifest never has.
 */
export function effectiveOptions(
  policy: Policy,
  manifest: Manifest,
): OptionValues<PolicyOptionSpecs> {
  const set = manifest.policies.get(policy.id)?.options ?? {};
  const out: Record<string, number | string | boolean> = {};
  for (const [name, spec] of Object.entries(policy.options)) {
    const value = Object.hasOwn(set, name) ? set[name] : spec.default;
    if (!hasType(spec, value)) {
      throw new TypeError(
        `Option "${name}" of policy "${policy.id}" is ${
          JSON.stringify(value)
        }, not of type ${spec.type}`,
      );
    }
    out[name] = value;
  }
  return out;
}

function hasType(spec: PolicyOptionSpec, value: unknown): value is number | string | boolean {
  switch (spec.type) {
    case "integer":
      return Number.isInteger(value);
    case "string":
      return typeof value === "string";
    case "boolean":
      return typeof value === "boolean";
  }
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
