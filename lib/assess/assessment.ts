/**
 * The pure middle of `check`, one project at a time: each project read is diffed and its keys
 * evaluated as it arrives, then let go; the report is built once every project is in. Memory
 * stays flat in the number of live keys (only drift and findings are kept).
 */
import { addCounts, byOrder, type DiffCounts, diffProject } from "./diff.ts";
import { evaluateProject, type Policy, policySetup, unusedWaiverNotes } from "./policy.ts";
import { assessAdminKeys } from "./admin_keys.ts";
import { buildReport, type FailOn, type Report } from "../report/report.ts";
import type {
  DeclaredProject,
  Drift,
  Finding,
  LiveAdminKey,
  LiveProject,
  Manifest,
  RunError,
  Waiver,
} from "../core/types.ts";

/**
 * Options of one assessment: the run's clock, whether waivers apply, and the `--fail-on` threshold
 */
export interface AssessOptions {
  /** The clock for policies, in ms since the epoch (one instant for the whole run). */
  now: number;
  noWaivers: boolean;
  failOn: FailOn;
}

/**
 * An assessment of the manifest against live state, fed one project at a time, that ends in the
 * report
 */
export function assessment(
  manifest: Manifest,
  policies: readonly Policy[],
  opts: AssessOptions,
) {
  const drift: Drift[] = [];
  const counts: DiffCounts = { inSync: 0, candidates: 0, ignored: 0, inMissingProjects: 0 };
  const setup = policySetup(policies, manifest, opts);
  const findings: Finding[] = [];
  const waiversUsed = new Set<Waiver>();
  let liveKeys = 0;
  const adminFindings: Finding[] = [];
  let adminKeysChecked = false;
  const complete = new Set<string>();
  return {
    /** One project, completely read (found or not). */
    add(declared: DeclaredProject, project: LiveProject): void {
      const diffed = diffProject(declared, project);
      for (const d of diffed.drift) drift.push(d);
      addCounts(counts, diffed.counts);
      const matched = diffed.matched;
      const evaluated = evaluateProject(setup, { declared, project, matched });
      for (const f of evaluated.findings) findings.push(f);
      for (const w of evaluated.waiversUsed) waiversUsed.add(w);
      if (project.found) liveKeys += project.keys.length;
      complete.add(declared.id);
    },
    /** The organisation's admin keys, read because the manifest has `admin_keys:` (issue 14). */
    adminKeys(live: readonly LiveAdminKey[]): void {
      const findings: Finding[] = [];
      assessAdminKeys(manifest, live, policies, opts, { drift, findings, counts });
      adminFindings.push(...findings);
      liveKeys += live.length;
      adminKeysChecked = true;
    },
    /** The report, once every project is in; `errors` name what could not be read. */
    report(errors: RunError[]): Report {
      drift.sort(byOrder);
      const notes = unusedWaiverNotes(setup.waivers, { used: waiversUsed, complete });
      findings.push(...adminFindings);
      return buildReport({
        adminKeysChecked,
        policies,
        manifest,
        drift,
        counts,
        findings,
        notes,
        errors,
        liveKeys,
        failOn: opts.failOn,
        projects: manifest.projects.length,
      });
    },
  };
}
