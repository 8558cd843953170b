/**
 * `--snapshot FILE` and `--snapshot-max-age` (issue 21) for `check`, `baseline` and `import`: before
 * the read, the snapshot (read as any input: a regular file under a cap), the audit log since it,
 * and the plan of what to read again, or why everything is read; after a complete read, the next
 * snapshot, written by temporary file and rename. Reading and writing are this module's; what
 * the snapshot and the audit log mean is `api/`'s.
 */
import type { Io } from "./io.ts";
import { UsageError } from "../core/errors.ts";
import type { LiveProject, ReadSource, SnapshotUse } from "../core/types.ts";
import { VERSION } from "../core/version.ts";
import type { AdminClient } from "../api/client.ts";
import { type AuditMark, readAuditMark, readAuditSince } from "../api/audit_feed.ts";
import { parseSnapshot, serializeSnapshot, type Snapshot } from "../api/snapshot.ts";
import {
  type FullRead,
  nextSnapshot,
  type Planned,
  planSnapshotRead,
  snapshotProblem,
} from "../api/snapshot_plan.ts";
import { UnavailableError } from "../api/enrich.ts";
import { ApiError } from "../core/errors.ts";
import { readInput, readProblem } from "./files.ts";

/** The flags (parseArgs options). */
export const SNAPSHOT_OPTIONS = {
  snapshot: { type: "string" },
  "snapshot-max-age": { type: "string" },
} as const;

/** Their help lines. */
export const SNAPSHOT_HELP =
  `      --snapshot FILE     read only the projects the audit log says changed since FILE, then
                          rewrite FILE (the first run, or any doubt, reads every project)
      --snapshot-max-age AGE  read every project when FILE's full read is older (default 7d;
                          30m, 12h, 7d)`;

/** `--snapshot` as checked. */
export interface SnapshotFlags {
  path: string;
  /** `--snapshot-max-age`, in seconds. */
  maxAgeS: number;
}

/** The flags' values, checked; null without `--snapshot`. */
export function snapshotFlags(
  command: string,
  v: { snapshot?: string; "snapshot-max-age"?: string },
): SnapshotFlags | null {
  const age = v["snapshot-max-age"];
  if (v.snapshot === undefined) {
    if (age !== undefined) {
      throw new UsageError("--snapshot-max-age needs --snapshot FILE", command);
    }
    return null;
  }
  if (v.snapshot === "" || v.snapshot === "-") {
    throw new UsageError("--snapshot needs a file path (it is read and rewritten)", command);
  }
  return { path: v.snapshot, maxAgeS: age === undefined ? 7 * DAY_S : duration(command, age) };
}

const DAY_S = 86_400;
const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: DAY_S };

/** `30m`, `12h`, `7d`, `90s` or a number of days, in seconds. */
function duration(command: string, raw: string): number {
  const m = /^(\d+(?:\.\d+)?)([smhd]?)$/.exec(raw.trim());
  const seconds = m ? Number(m[1]) * UNITS[m[2] || "d"] : NaN;
  if (!(seconds > 0) || !Number.isFinite(seconds)) {
    throw new UsageError(
      `--snapshot-max-age must be a positive age such as 30m, 12h or 7d, not "${raw}"`,
      command,
    );
  }
  return Math.floor(seconds);
}

/** What a run takes from its snapshot before reading, and what it needs to write the next one. */
export interface SnapshotRun {
  flags: SnapshotFlags;
  api: string;
  /** The run's clock, Unix seconds. */
  now: number;
  /** The snapshot used and the plan it gave; null when every project is read. */
  planned: (Planned & { snapshot: Snapshot }) | null;
  fullRead: FullRead | null;
  /** Where the audit log stood before the read (the next snapshot records it). */
  mark: AuditMark;
}

/**
 * Before the read: the plan from the snapshot and the audit log since it, or why every project is
 * read (with the audit log's mark then, for the next snapshot). `needsAll`: the run reads every
 * project of the organisation; `needed`: how many projects it reads (it reads the audit log only
 * while that takes fewer requests than reading them).
 */
export async function prepareSnapshot(
  io: Io,
  client: AdminClient,
  o: { flags: SnapshotFlags; api: string; now: number; needsAll: boolean; needed: number },
): Promise<SnapshotRun> {
  // A file the run cannot write (a FIFO, an input) is refused before anything is read.
  await io.checkTarget(o.flags.path, "snapshot");
  const info = await io.deps.fileInfo(o.flags.path).catch(() => null);
  if (info && !info.isFile) {
    throw new UsageError(
      `cannot use --snapshot "${o.flags.path}": it is not a regular file (a directory, a device, a FIFO?); keydrift reads and rewrites it, so name a regular file`,
    );
  }
  const run = { flags: o.flags, api: o.api, now: Math.floor(o.now / 1000) };
  const got = await loadSnapshot(io, o.flags.path, { now: run.now, scrub: client.core?.scrub });
  const early = "reason" in got
    ? got
    : snapshotProblem(got, { ...run, maxAgeS: o.flags.maxAgeS, needsAll: o.needsAll });
  if (early) return { ...run, planned: null, fullRead: early, mark: await markNow(client, o.now) };
  const snapshot = got as Snapshot;
  if (!client.core) {
    const fullRead = { reason: "audit_unavailable" as const, detail: null };
    return { ...run, planned: null, fullRead, mark: NONE };
  }
  try {
    const read = await readAuditSince(client.core, {
      since: snapshot.audit.position!,
      now: o.now,
      maxPages: Math.max(2, o.needed),
    });
    const fullRead: FullRead | null = !read.complete
      ? { reason: "audit_too_long", detail: null }
      : !read.reachesBack
      ? { reason: "audit_gap", detail: snapshot.audit.position!.id }
      : null;
    const planned = fullRead ?? planSnapshotRead(snapshot, read.events);
    if ("reason" in planned) return { ...run, planned: null, fullRead: planned, mark: read.mark };
    return { ...run, planned: { ...planned, snapshot }, fullRead: null, mark: read.mark };
  } catch (e) {
    const detail = auditProblem(e);
    return { ...run, planned: null, fullRead: { reason: "audit_unavailable", detail }, mark: NONE };
  }
}

const NONE: AuditMark = { position: null, horizon: [] };

/** Why the audit log could not be read (a refusal's summary, or the error's first line). */
function auditProblem(e: unknown): string {
  if (e instanceof UnavailableError) return e.summary;
  if (e instanceof ApiError) return e.message.split("\n")[0];
  throw e;
}

/** The audit log's mark before a full read; none when it cannot be read (the next run reads all). */
async function markNow(client: AdminClient, now: number): Promise<AuditMark> {
  if (!client.core) return NONE;
  try {
    return await readAuditMark(client.core, now);
  } catch (e) {
    auditProblem(e);
    return NONE;
  }
}

/** The snapshot in the file, or why it cannot be used. */
async function loadSnapshot(
  io: Io,
  path: string,
  o: { now: number; scrub?: (s: string) => string },
): Promise<Snapshot | FullRead> {
  let text: string;
  try {
    text = await readInput(io.deps, path, "snapshot");
  } catch (e) {
    if ((e as Error)?.name === "NotFound") return { reason: "no_snapshot", detail: null };
    return { reason: "unreadable", detail: readProblem(e, `--allow-read=${path}`) };
  }
  const parsed = parseSnapshot(text, { now: o.now, scrub: o.scrub ?? ((s) => s) });
  return "problem" in parsed ? { reason: "invalid", detail: parsed.problem } : parsed.snapshot;
}

/**
 * After a complete read (`complete`: no read failed): the next snapshot, written over the file.
 * Returns what the report says of the snapshot.
 */
export async function finishSnapshot(
  io: Io,
  run: SnapshotRun,
  read: { delivered: readonly { project: LiveProject; source: ReadSource }[]; complete: boolean },
  readAll: boolean,
): Promise<SnapshotUse> {
  const use: SnapshotUse = {
    file: run.flags.path,
    fullRead: run.fullRead,
    basedOn: run.planned ? run.planned.snapshot.writtenAt : null,
    written: false,
  };
  if (!read.complete) return use;
  const old = run.planned ? { snapshot: run.planned.snapshot, dirty: run.planned.dirty } : null;
  const next = nextSnapshot({ ...run, old, delivered: read.delivered, readAll, audit: run.mark });
  await io.writeFile(run.flags.path, [serializeSnapshot(next, VERSION)], {
    replacing: "snapshot",
  });
  return { ...use, written: true };
}

/** `--snapshot` with a fleet manifest (issue 24): a snapshot holds one organisation's read. */
export const SNAPSHOT_ONE_ORG =
  "--snapshot reads one organisation: give it a manifest without orgs: (one job per org)";
