/**
 * The policy engine: a {@link Policy} type and a pure evaluator over the live keys of declared
 * projects, with severities from the manifest, waivers, and an injected clock.
 */
import type { PolicySchemaSource } from "./schema.ts";
import type {
  DeclaredKey,
  DeclaredProject,
  Finding,
  LiveKey,
  LiveProject,
  Manifest,
  PolicySeverity,
  SourceLocation,
  Waiver,
  WaiverRef,
} from "./types.ts";

/** What a policy sees for one live key. */
export interface PolicyInput {
  key: LiveKey;
  project: LiveProject;
  declared: DeclaredProject;
  /** The manifest entry the key matched, if any. */
  entry: DeclaredKey | null;
  /** Option values, defaults filled in. */
  options: Record<string, unknown>;
  /** The clock, in Unix seconds. */
  now: number;
}

/** A built-in (or test-supplied) credential-hygiene policy. */
export interface Policy extends PolicySchemaSource {
  /** Why the policy exists. */
  rationale: string;
  /** Where the threshold comes from (CIS, AWS Config, GitHub, OpenAI guidance). */
  source: string;
  /** Returns a message a person can act on, or null when the key complies. */
  evaluate(input: PolicyInput): string | null;
}

/** A warning about the manifest found while evaluating (an unmatched or malformed waiver). */
export interface Note {
  message: string;
  location: SourceLocation;
}

export interface EvaluateOptions {
  /** Milliseconds since the epoch. */
  now: number;
  noWaivers: boolean;
  /** Live key id -> the entry it matched (from the diff). */
  matched: ReadonlyMap<string, DeclaredKey>;
}

export const DAY = 86_400;

/** Whole days in `seconds`, rounded down. */
export function days(seconds: number): number {
  return Math.floor(seconds / DAY);
}

/** `YYYY-MM-DD` of a Unix-seconds timestamp, in UTC. */
export function isoDate(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().slice(0, 10);
}

/** Display form of a key owner: `user "Ana" <ana@x>` or `service account "bot"`. */
export function ownerLabel(key: LiveKey): string {
  const o = key.owner;
  return o.type === "user"
    ? `user "${o.name}"${o.email ? ` <${o.email}>` : ""}`
    : `service account "${o.name}"`;
}

/** The severity a policy runs at, after the manifest's override. */
export function effectiveSeverity(policy: Policy, manifest: Manifest): PolicySeverity {
  return manifest.policies.get(policy.id)?.severity ?? policy.defaultSeverity;
}

function optionsFor(policy: Policy, manifest: Manifest): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(policy.options)) out[name] = spec.default;
  return { ...out, ...manifest.policies.get(policy.id)?.options };
}

/** Evaluates every enabled policy over every live key of every declared, found project. */
export function evaluatePolicies(
  policies: readonly Policy[],
  manifest: Manifest,
  live: ReadonlyMap<string, LiveProject>,
  opts: EvaluateOptions,
): { findings: Finding[]; notes: Note[] } {
  const run = policyRun(policies, manifest, opts);
  for (const declared of manifest.projects) {
    const project = live.get(declared.id);
    if (project) run.project(declared, project, opts.matched);
  }
  return run.finish(new Set(live.keys()));
}

/**
 * The same evaluation one project at a time (so that a project's live keys can be dropped once
 * it is evaluated): `project()` for each project read, then `finish()` once.
 */
export function policyRun(
  policies: readonly Policy[],
  manifest: Manifest,
  opts: Omit<EvaluateOptions, "matched">,
) {
  const now = Math.floor(opts.now / 1000);
  const enabled = policies
    .map((p) => ({ p, severity: effectiveSeverity(p, manifest), options: optionsFor(p, manifest) }))
    .filter((e) => e.severity !== "off");
  const waivers = opts.noWaivers ? [] : manifest.waivers;
  // Waivers by policy and project, so a finding looks only at the ones that can apply to it.
  const waiversFor = new Map<string, Waiver[]>();
  for (const w of waivers) {
    const k = `${w.policy}\u0000${w.project}`;
    const list = waiversFor.get(k);
    if (list) list.push(w);
    else waiversFor.set(k, [w]);
  }
  const used = new Set<Waiver>();
  const findings: Finding[] = [];
  return {
    project(
      declared: DeclaredProject,
      project: LiveProject,
      matched: ReadonlyMap<string, DeclaredKey>,
    ): void {
      if (!project.found || !enabled.length) return;
      for (const key of project.keys) {
        const entry = matched.get(key.id) ?? null;
        for (const { p, severity, options } of enabled) {
          const message = p.evaluate({ key, project, declared, entry, options, now });
          if (message === null) continue;
          const candidates = waiversFor.get(`${p.id}\u0000${declared.id}`) ?? [];
          const waiver = pickWaiver(candidates, key, now);
          if (waiver) used.add(waiver.source);
          findings.push({
            policy: p.id,
            severity: severity as "error" | "warning",
            projectId: declared.id,
            keyId: key.id,
            keyName: key.name,
            message,
            waived: waiver?.ref.state === "active",
            waiver: waiver?.ref ?? null,
            location: entry?.location ?? declared.location,
          });
        }
      }
    },
    /**
     * The findings, and a note for each waiver that matched no finding, only where that is known:
     * its project was read completely in this run (`complete`).
     */
    finish(complete: ReadonlySet<string>): { findings: Finding[]; notes: Note[] } {
      const notes = waivers
        .filter((w) => !used.has(w) && !w.problem && complete.has(w.project))
        .map((w) => ({
          message:
            `waiver for ${w.policy} on ${w.project}/${w.key} matches no finding; remove it if it is no longer needed`,
          location: w.location,
        }));
      return { findings, notes };
    },
  };
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
