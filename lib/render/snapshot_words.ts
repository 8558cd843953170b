/**
 * The words of `--snapshot` (issue 21): why a run read every project, what it took from the
 * snapshot and what it read now, and the date of data a finding judged from the snapshot.
 * Returned strings hold server data and paths raw: each renderer makes them inert its own way.
 */
import type { FullReadReason, ReadSource } from "../core/types.ts";
import type { SnapshotReport } from "../report/report.ts";
import { grouped } from "../core/grouped.ts";

/** A Unix time as `2026-11-19T10:00:00Z`. */
export function isoTime(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().replace(".000Z", "Z");
}

const REASONS: Record<FullReadReason, (detail: string | null) => string> = {
  no_snapshot: () => "there was no snapshot yet",
  unreadable: (d) => `the snapshot cannot be read (${d})`,
  invalid: (d) => `the snapshot is not valid (${d})`,
  too_old: (d) =>
    `the snapshot descends from a full read of ${
      d === null ? "unknown date" : isoTime(Number(d))
    }, older than --snapshot-max-age`,
  other_api: (d) => `the snapshot was read from another API (${d})`,
  scope: () => "the snapshot does not hold every project of the organisation, which this run reads",
  no_position: () =>
    "the audit log could not be read when the snapshot was written, so nothing says what changed since",
  audit_unavailable: (d) => `the audit log cannot be read${d ? ` (${d})` : ""}`,
  audit_gap: (d) => `the audit log no longer reaches back to the snapshot (its event ${d} is gone)`,
  audit_too_long: () =>
    "the audit log since the snapshot takes more requests than reading every project",
  event: (d) =>
    `the audit log holds an event that can change keys without naming their project (${d})`,
};

/** Why a run read every project, in words. */
export function fullReadWords(f: { reason: FullReadReason; detail: string | null }): string {
  return REASONS[f.reason](f.detail);
}

/** `from the snapshot of 2026-11-19T10:00:00Z`, or null for a project read now. */
export function sourceWords(source: ReadSource | undefined): string | null {
  return source?.from === "snapshot" ? `from the snapshot of ${isoTime(source.readAt)}` : null;
}

/** The note on a finding about use judged from the snapshot's data. */
export function dataAsOfWords(at: number): string {
  return `last_used_at as of ${isoTime(at)}, from the snapshot`;
}

/**
 * One line on what the run took from the snapshot: `Snapshot: 3 projects read now, 1,997 from
 * snapshot.json (unchanged since it read them, from 2026-11-19T10:00:00Z); snapshot.json
 * rewritten.` or why every project was read.
 */
export function snapshotLine(s: SnapshotReport): string {
  const now = s.projects.filter((p) => p.source.from === "api").length;
  const kept = s.projects.length - now;
  const written = s.written
    ? `${s.file} ${s.fullRead?.reason === "no_snapshot" ? "written" : "rewritten"}`
    : `${s.file} not written (the read did not complete)`;
  if (s.fullRead) {
    return `Snapshot: every project read now because ${fullReadWords(s.fullRead)}; ${written}.`;
  }
  let oldest: number | null = null;
  for (const p of s.projects) {
    if (p.source.from === "snapshot" && (oldest === null || p.source.readAt < oldest)) {
      oldest = p.source.readAt;
    }
  }
  const since = oldest === null ? "" : ` (the earliest on ${isoTime(oldest)})`;
  return `Snapshot: ${grouped(now)} project${now === 1 ? "" : "s"} read now, ${
    grouped(kept)
  } from ${s.file}, unchanged in the audit log since it read them${since}; ${written}.`;
}
