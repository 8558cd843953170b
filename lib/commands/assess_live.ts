/**
 * The read-and-assess step `check` and `baseline` share: the live state the (scoped) manifest
 * needs, read through the client the command holds and assessed (diff, policies, admin keys) as
 * it arrives. The result is a value, the {@link Assessment}; nothing climbs back up.
 */
import type { Io } from "./io.ts";
import { suggestion, UsageError } from "../core/errors.ts";
import { type Assessment, assessment } from "../assess/assessment.ts";
import type { Policy } from "../assess/policy.ts";
import { readAdminKeys, readLive } from "../api/live_state.ts";
import { progress } from "./progress.ts";
import type { AdminClient } from "../api/client.ts";
import type { Manifest, RunError } from "../core/types.ts";
import { planRead } from "../api/read_plan.ts";
import type { Notices } from "./notices.ts";
import { counted } from "../core/grouped.ts";

/** How a run reads and assesses: its clock, waivers, and what it says on stderr. */
export interface AssessLiveOptions {
  /** When the read began (ms since the epoch): the policies' clock. */
  now: number;
  noWaivers: boolean;
  /** Show a progress line on stderr. */
  progress?: boolean;
  /** The `--verbose` log. */
  log?: (message: string) => void;
  /** Where pacing's notices are said (the progress line shows the waits). */
  notices?: Notices;
  /** The enrichment that will follow the read (`check --attribute`, `--usage`): in the plan. */
  enrichment?: { attribute: boolean; usage: boolean };
}

/**
 * Reads the live state the manifest needs and assesses it (diff, policies). Throws what the run
 * cannot recover from; what could not be read is on the assessment's `errors`.
 */
export async function assessLive(
  io: Io,
  client: AdminClient,
  manifest: Manifest,
  policies: readonly Policy[],
  opts: AssessLiveOptions,
): Promise<Assessment> {
  const assess = assessment(manifest, policies, opts);
  const errors: RunError[] = [];
  // The plan, before the first request: a budget known up front (--max-rpm) gives its estimate
  // now, and an explicit --deadline it passes ends the run here.
  client.core?.plan(planOf(manifest, opts.enrichment));
  // Admin keys (issue 14) are read beside the projects, only when the manifest declares them.
  const admin = manifest.adminKeys
    ? readAdminKeys(client, manifest.adminKeys.keys.flatMap((k) => (k.id ? [k.id] : [])))
    : null;
  admin?.catch(() => undefined); // awaited below; a failure must not go unhandled meanwhile
  const shown = progress(io, manifest.projects.length, opts.progress === true);
  opts.notices?.attach(shown);
  for await (const read of readLive(client, manifest.projects)) {
    if (read.kind === "project") {
      assess.add(read.declared, read.project);
      shown.tick();
    } else errors.push(read.error);
  }
  opts.notices?.attach(null);
  await shown.done();
  const adminRead = await admin;
  if (adminRead?.keys) assess.adminKeys(adminRead.keys);
  else if (adminRead) errors.push(adminRead.error);
  const { requests, retries, refused } = client.stats;
  opts.log?.(
    `read ${counted(manifest.projects.length, "project")} in ${
      Math.round(io.deps.now() - opts.now)
    } ms with ${counted(requests, "request")} (${
      counted(retries, "retry", "retries")
    }, ${refused} refused with 429)`,
  );
  return assess.done(errors);
}

/** What reading `manifest` (and the enrichment after it) needs at least, per endpoint. */
function planOf(manifest: Manifest, enrichment: AssessLiveOptions["enrichment"]) {
  return planRead({
    projects: manifest.projects.length,
    adminKeys: manifest.adminKeys !== null,
    attribute: enrichment?.attribute === true,
    usage: enrichment?.usage === true,
  });
}

/**
 * Narrows the manifest to `--project` ids; each must be declared. Admin keys belong to no
 * project: a narrowed check does not read them (the report says `admin_keys_checked: false`).
 */
export function scope(manifest: Manifest, ids: readonly string[]): Manifest {
  if (!ids.length) return manifest;
  const declared = manifest.projects.map((p) => p.id);
  for (const id of ids) {
    if (!declared.includes(id)) {
      throw new UsageError(
        `--project "${id}" is not declared in the manifest${suggestion(id, declared)}`,
        "check",
      );
    }
  }
  return {
    ...manifest,
    projects: manifest.projects.filter((p) => ids.includes(p.id)),
    adminKeys: null,
  };
}
