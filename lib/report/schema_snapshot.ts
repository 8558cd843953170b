/**
 * What format 1.11 added to the JSON report's schema for issue 21: the live project a
 * `project_unexpected` item describes, and how a run used `--snapshot` (per project: read now, or
 * from the snapshot of a date). `report/schema.ts`, where the rules for changing the schema are,
 * holds the rest.
 */
import { Type } from "@sinclair/typebox";
import { FULL_READ_REASONS } from "../core/types.ts";
import { closed, count, maybeText, nullable, stringEnum, text } from "./schema_kit.ts";

/** A live project no manifest declares. */
export const UndeclaredProjectSchema = Type.Object({
  name: maybeText("the live project's name, or null"),
  status: maybeText("the live project's status (active, archived), or null"),
  key_count: count("its live keys (every one was listed to count them)"),
}, {
  ...closed,
  title: "undeclared project",
  description: "project_unexpected only: the live project no manifest declares (1.12)",
});

const unixTime = (description: string) => Type.Integer({ minimum: 0, description });

/** Where one project's live state came from. */
export const ProjectSourceSchema = Type.Object({
  project_id: text("the project"),
  source: stringEnum(
    ["api", "snapshot"],
    "api: read now; snapshot: taken from the snapshot, which the audit log says is unchanged",
  ),
  read_at: nullable(
    unixTime("when the snapshot read it"),
    "snapshot: when the snapshot read it (Unix seconds); null when read now",
  ),
}, { ...closed, title: "project source", description: "where a project's state came from" });

/** How the run used `--snapshot FILE`. */
export const SnapshotSchema = Type.Object({
  file: text("the snapshot file (--snapshot)"),
  full_read: nullable(
    Type.Object({
      reason: stringEnum(
        FULL_READ_REASONS,
        "why every project was read now: no_snapshot, unreadable, invalid, too_old (--snapshot-max-age), other_api, scope (the snapshot lacks projects the run needs), no_position (the audit log could not be read when it was written), audit_unavailable, audit_gap (the log no longer reaches back to it), audit_too_long (reading the log would cost more than the projects), event (an event that could change keys without naming the project)",
      ),
      detail: maybeText("what the reason concerns: a problem, a time, an event type and id"),
    }, closed),
    "why the run read every project; null when it used the snapshot",
  ),
  based_on: nullable(
    unixTime("when the snapshot used was written"),
    "when the snapshot the run used was written (Unix seconds); null when it read every project",
  ),
  written: Type.Boolean({
    description: "whether the run rewrote the file (after a complete read)",
  }),
  projects: Type.Array(ProjectSourceSchema, {
    description: "each project the run judged, by id: read now or from the snapshot",
  }),
}, {
  ...closed,
  title: "snapshot",
  description: "--snapshot: what the run took from the snapshot and what it read now (1.12)",
});
