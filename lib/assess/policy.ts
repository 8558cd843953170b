/**
 * What a policy is: the {@link Policy} type a built-in or test-supplied policy implements (its
 * options, message template, remedy and scope), and the manifest's severity and options for it.
 * `evaluate.ts` runs the policies.
 */
import type {
  PolicyOptionSpec,
  PolicyOptionSpecs,
  PolicySchemaSource,
} from "../manifest/schema.ts";
import type { KeyScope } from "./keys.ts";
import type {
  DeclaredFamily,
  DeclaredKey,
  Facts,
  LiveKey,
  Manifest,
  PolicySeverity,
  SourceLocation,
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

/** What every policy declares, whatever it judges: keys one by one, or families. */
interface PolicyBase<S extends PolicyOptionSpecs> extends PolicySchemaSource {
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
}

/** A policy that judges live keys one at a time (`S` are its option specs). */
export interface KeyPolicy<S extends PolicyOptionSpecs = PolicyOptionSpecs> extends PolicyBase<S> {
  /**
   * The policy's check for the keys of one project (or the organisation's admin keys). Work shared
   * by the keys (grouping them, compiling a pattern) belongs here, so that it is done once. (Method syntax
   * on purpose: it lets a `Policy<S>` of any specs stand in a `Policy[]`.)
   */
  forProject(context: ProjectContext<OptionValues<S>>): KeyCheck;
  forFamily?: never;
}

/** What a family policy sees of one family of a project (SPEC 11.4). */
export interface FamilyContext<O> {
  family: DeclaredFamily;
  /** Its live keys, newest first. */
  members: readonly LiveKey[];
  /** The policy's option values for this run. */
  options: O;
  /** The clock, in Unix seconds. */
  now: number;
}

/** A family policy's finding: about one member (`key`), or the family itself (`key: null`). */
export interface FamilyHit {
  key: LiveKey | null;
  facts: Facts;
}

/** A policy that judges a project's key families as wholes (SPEC 11.4). */
export interface FamilyPolicy<S extends PolicyOptionSpecs = PolicyOptionSpecs>
  extends PolicyBase<S> {
  /** Its findings about one family (none when the family complies). Method syntax, as above. */
  forFamily(context: FamilyContext<OptionValues<S>>): readonly FamilyHit[];
  forProject?: never;
}

/** A built-in (or test-supplied) credential-hygiene policy: of keys, or of families. */
export type Policy<S extends PolicyOptionSpecs = PolicyOptionSpecs> =
  | KeyPolicy<S>
  | FamilyPolicy<S>;

/** Declares a policy, so that the types of the options `forProject` receives follow its specs. */
export function definePolicy<S extends PolicyOptionSpecs>(policy: KeyPolicy<S>): KeyPolicy<S> {
  return policy;
}

/** Declares a family policy, so that the options `forFamily` receives are typed from its specs. */
export function defineFamilyPolicy<S extends PolicyOptionSpecs>(
  policy: FamilyPolicy<S>,
): FamilyPolicy<S> {
  return policy;
}

/** A warning about the manifest found while evaluating: a waiver that matched no finding. */
export interface Note {
  kind: "unused_waiver";
  waiver: { policy: string; project: string; key: string };
  location: SourceLocation;
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
