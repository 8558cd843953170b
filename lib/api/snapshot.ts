/**
 * The snapshot file of `--snapshot FILE` (issue 21): what a complete read found (every project it
 * read, each with its keys, owners and timestamps), when, from which API, and where the audit log
 * stood ({@link AuditMark}). Keys are kept in the API's own wire shape (`ProjectApiKey`, with the
 * redacted value only: the API never sends a secret, and neither does the snapshot), so a snapshot
 * is read back through the same checks as an answer of the API. JSON, sorted, one version field.
 *
 * A snapshot that does not parse or fails a check is not used: the run reads every project and
 * says why ({@link parseSnapshot} returns the problem). Pure.
 */
import type { LiveKey, LiveProject } from "../core/types.ts";
import { ApiError } from "../core/errors.ts";
import { FUTURE_SKEW_S } from "./audit.ts";
import type { AuditMark } from "./audit_feed.ts";
import { readKey, readProject, type Scrub } from "./wire.ts";

/** The snapshot format this keydrift writes and reads. */
export const SNAPSHOT_VERSION = 1;

/** One project as the snapshot holds it: its live state, read at `readAt` (Unix seconds). */
export interface SnapshotProject {
  readAt: number;
  project: LiveProject;
}

/** A snapshot: what a complete read found, and where the audit log stood. */
export interface Snapshot {
  /** When the run that wrote it began reading (Unix seconds). */
  writtenAt: number;
  /** When the full read it descends from began: `--snapshot-max-age` counts from here. */
  baseAt: number;
  /** The API it was read from (base URL; `fake:` and the state file for `--fake`). */
  api: string;
  /** Whether it holds every project of the organisation (archived ones too). */
  allProjects: boolean;
  audit: AuditMark;
  /** Sorted by id. */
  projects: SnapshotProject[];
}

/** The snapshot as the file holds it (JSON, stable order, a newline at the end). */
export function serializeSnapshot(s: Snapshot, toolVersion: string): string {
  const projects = [...s.projects].sort((a, b) => cmp(a.project.id, b.project.id));
  const body = {
    keydrift_snapshot: SNAPSHOT_VERSION,
    tool_version: toolVersion,
    written_at: s.writtenAt,
    base_at: s.baseAt,
    api: s.api,
    all_projects: s.allProjects,
    audit: { position: s.audit.position, horizon: [...s.audit.horizon].sort() },
    projects: projects.map(wireProject),
  };
  // One project a line: a diff of two snapshots shows what changed.
  const lines = body.projects.map((p) => JSON.stringify(p));
  const head = JSON.stringify({ ...body, projects: [] });
  return `${head.slice(0, -3)}[\n${lines.join(",\n")}\n]}\n`;
}

function wireProject({ readAt, project: p }: SnapshotProject) {
  if (!p.found) return { read_at: readAt, found: false, id: p.id };
  const keys = [...p.keys].sort((a, b) => cmp(a.id, b.id)).map(wireKey);
  const project = { object: "organization.project", id: p.id, name: p.name, status: p.status };
  return { read_at: readAt, found: true, project, keys };
}

function wireKey(k: LiveKey) {
  const o = k.owner;
  const owner = o.type === "user"
    ? { type: o.type, user: { id: o.id, name: o.name, email: o.email ?? "", role: o.role ?? "" } }
    : { type: o.type, service_account: { id: o.id, name: o.name, role: o.role ?? "" } };
  return {
    object: "organization.project.api_key",
    id: k.id,
    name: k.name,
    redacted_value: k.redactedValue,
    created_at: k.createdAt,
    last_used_at: k.lastUsedAt ?? null,
    ...(k.expiresAt === undefined ? {} : { expires_at: k.expiresAt }),
    owner_project_access: k.ownerProjectAccess,
    owner,
  };
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** A snapshot that cannot be used: why (it ends in a read of every project). */
class Unusable extends Error {}

function need(ok: boolean, why: string): asserts ok {
  if (!ok) throw new Unusable(why);
}

const isTime = (v: unknown): v is number =>
  Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) <= 253_402_300_799;

/**
 * The snapshot in `text`, or why it cannot be used. `now` is the run's clock (Unix seconds);
 * `scrub` the client's (a value holding the admin key fails the check, as it would from the API).
 */
export function parseSnapshot(
  text: string,
  o: { now: number; scrub: Scrub },
): { snapshot: Snapshot } | { problem: string } {
  try {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (e) {
      throw new Unusable(`it is not JSON (${(e as Error).message})`);
    }
    return { snapshot: checked(raw, o) };
  } catch (e) {
    if (e instanceof Unusable || e instanceof ApiError) return { problem: e.message };
    throw e;
  }
}

function checked(raw: unknown, o: { now: number; scrub: Scrub }): Snapshot {
  need(isObj(raw), "it is not a JSON object");
  const version = raw.keydrift_snapshot;
  need(version !== undefined, `it has no "keydrift_snapshot" version field`);
  need(
    version === SNAPSHOT_VERSION,
    `it is version ${JSON.stringify(version)}; this keydrift reads version ${SNAPSHOT_VERSION}`,
  );
  const { written_at: writtenAt, base_at: baseAt, api, all_projects: all } = raw;
  need(isTime(writtenAt) && isTime(baseAt), `"written_at" and "base_at" must be Unix times`);
  need(baseAt <= writtenAt, `"base_at" is later than "written_at"`);
  need(writtenAt <= o.now + FUTURE_SKEW_S, `it was written in the future (${writtenAt})`);
  need(typeof api === "string" && typeof all === "boolean", `"api" or "all_projects" is missing`);
  const audit = auditMark(raw.audit, writtenAt);
  need(Array.isArray(raw.projects), `"projects" is not an array`);
  const projects = raw.projects.map((p, i) => snapshotProject(p, i, { baseAt, writtenAt }, o));
  unique(projects.map((p) => p.project.id), "project");
  unique(projects.flatMap((p) => p.project.keys.map((k) => k.id)), "key");
  return { writtenAt, baseAt, api, allProjects: all, audit, projects };
}

function auditMark(raw: unknown, writtenAt: number): AuditMark {
  need(isObj(raw) && Array.isArray(raw.horizon), `"audit" must hold "position" and "horizon"`);
  const p = raw.position;
  need(
    p === null || (isObj(p) && typeof p.id === "string" && p.id !== "" && isTime(p.at)),
    `"audit.position" must be null or an event's id and time`,
  );
  need(p === null || (p.at as number) <= writtenAt, `"audit.position" is later than the snapshot`);
  need(raw.horizon.every((id) => typeof id === "string"), `"audit.horizon" must hold event ids`);
  const position = p === null ? null : { id: p.id as string, at: p.at as number };
  return { position, horizon: raw.horizon as string[] };
}

function snapshotProject(
  raw: unknown,
  i: number,
  times: { baseAt: number; writtenAt: number },
  o: { scrub: Scrub },
): SnapshotProject {
  const where = `project ${i + 1} of the snapshot`;
  need(isObj(raw) && isTime(raw.read_at), `${where} has no "read_at" time`);
  const readAt = raw.read_at;
  need(
    readAt >= times.baseAt && readAt <= times.writtenAt,
    `${where} was read outside the snapshot's time span`,
  );
  if (raw.found === false) {
    const stub = { object: "organization.project", id: raw.id, name: null, status: "" };
    const p = readProject(stub, where, o.scrub);
    return { readAt, project: { id: p.id, found: false, name: null, status: null, keys: [] } };
  }
  need(raw.found === true && Array.isArray(raw.keys), `${where} has no "found" or "keys"`);
  const p = readProject(raw.project, where, o.scrub);
  const keys = raw.keys.map((k, j) => readKey(k, `key ${j + 1} of ${where}`, o.scrub));
  return { readAt, project: { id: p.id, found: true, name: p.name, status: p.status, keys } };
}

function unique(ids: readonly string[], what: string): void {
  const seen = new Set<string>();
  for (const id of ids) {
    need(!seen.has(id), `${what} "${id.slice(0, 80)}" appears twice`);
    seen.add(id);
  }
}
