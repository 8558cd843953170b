/**
 * The fake Admin API's state file: a YAML description of an organisation (users, projects,
 * members, service accounts, keys, faults), loaded into an in-memory {@link FakeState}.
 * Timestamps may be Unix seconds, ISO dates, or relative to the fake's clock (`-97d`, `+3h`, `now`).
 */
import type {
  FakeKey,
  FakeOptions,
  FakeOrg,
  FakeProject,
  FakeServiceAccount,
  FakeState,
  FakeUser,
  Fault,
} from "./types.ts";
import { withinCap } from "./cap.ts";
import type { JsonSchema } from "../yaml/json_schema.ts";
import { type FullReader, parseAndCheck } from "../yaml/check.ts";
import type { ManifestProblem } from "../core/errors.ts";
import {
  ACTOR_SCHEMA,
  ADMIN_KEYS_SCHEMA,
  AUDIT_LOG_SCHEMA,
  buildAdminKeys,
  buildUsage,
  list,
  obj,
  s,
  ts,
  USAGE_DAILY_SCHEMA,
  USAGE_SCHEMA,
} from "./org_state.ts";
import { buildAuditLog } from "./audit_logs.ts";
import { FAULT_KINDS, FAULT_TARGETS } from "./faults.ts";
import { USAGE_ENDPOINTS } from "./types.ts";

export type * from "./types.ts";

export { FAULT_KINDS, FAULT_TARGETS } from "./faults.ts";

/** One organisation's state: what a state file without `orgs:` holds. */
const ORG_FIELDS: Record<string, JsonSchema> = {
  now: ts,
  options: obj("options", [], {
    expires_at: { type: "boolean", description: "emit expires_at" },
    latency_ms: { type: "integer", minimum: 0, description: "latency per response" },
    rate_limit_rps: { type: "integer", minimum: 0, description: "requests per second" },
    budget: obj("budget", ["requests"], {
      requests: { type: "integer", minimum: 0, description: "requests per window per path" },
      window_s: { type: "integer", minimum: 1, description: "the rolling window in seconds" },
      retry_after: { type: "boolean", description: "send retry-after with each 429" },
    }),
    max_url_bytes: { type: "integer", minimum: 0, description: "longest path + query (0: any)" },
    writes: { type: "boolean", description: "serve the write endpoints the fixes call" },
  }),
  users: list(obj("user", ["id", "name", "email"], {
    id: s("id"),
    name: s("name"),
    email: s("email"),
    created_at: ts,
  })),
  projects: list(obj("project", ["id"], {
    id: s("id", { minLength: 1 }),
    name: s("name"),
    status: s("status", { enum: ["active", "archived"] }),
    created_at: ts,
    archived_at: ts,
    members: list(obj("member", ["user", "role"], { user: s("user id"), role: s("role") })),
    service_accounts: list(obj("service account", ["id", "name"], {
      id: s("id"),
      name: s("name"),
      role: s("role", { enum: ["owner", "member", "none"] }),
      created_at: ts,
    })),
    keys: list(obj("key", ["id", "name", "owner"], {
      id: s("id", { minLength: 1 }),
      name: s("name"),
      owner: s("user or service account id"),
      created_at: ts,
      last_used_at: ts,
      expires_at: ts,
      redacted_value: s("redacted value"),
      created_by: ACTOR_SCHEMA,
      usage: USAGE_SCHEMA,
      usage_daily: USAGE_DAILY_SCHEMA,
    })),
    generate: obj("generate", ["count", "owner"], {
      count: { type: "integer", minimum: 1, description: "how many keys" },
      name: s("name template; {n} is replaced by the number"),
      owner: s("owner id"),
      created_at: ts,
      last_used_at: ts,
      expires_at: ts,
      created_by: ACTOR_SCHEMA,
      usage: USAGE_SCHEMA,
      usage_daily: USAGE_DAILY_SCHEMA,
    }),
  })),
  admin_keys: ADMIN_KEYS_SCHEMA,
  audit_log: AUDIT_LOG_SCHEMA,
  faults: list(obj("fault", ["on", "kind"], {
    on: s("target", { enum: FAULT_TARGETS }),
    kind: s("kind", { enum: FAULT_KINDS }),
    project: s("project id"),
    family: s("usage family (on: usage)", { enum: [...USAGE_ENDPOINTS] }),
    page: { type: "integer", minimum: 1, description: "page" },
    status: { type: "integer", minimum: 100, description: "status" },
    retry_after: s("retry-after header"),
    retry_after_ms: s("retry-after-ms header"),
    times: { type: "integer", minimum: 1, description: "times" },
  })),
};

/** The state file's schema: one organisation, or several under `orgs:` (issue 24). */
export const STATE_SCHEMA: JsonSchema = {
  ...obj("state", [], {
    ...ORG_FIELDS,
    orgs: list(obj("org", ["name", "id", "admin_key", "projects"], {
      name: s("the org's name"),
      id: s("org id", { minLength: 1 }),
      admin_key: s("the admin key that reads this org (sk-admin-…)", {
        pattern: "^sk-admin-\\S+$",
      }),
      ...ORG_FIELDS,
    })),
  }),
  oneOf: [{ required: ["projects"] }, { required: ["orgs"] }],
};

// deno-lint-ignore no-explicit-any
type Obj = Record<string, any>;

/** Parses a timestamp field. Returns undefined (and a problem) when it cannot be read. */
export function parseTimestamp(value: unknown, now: number): number | null | undefined {
  if (value === null || value === undefined) return null;
  if (typeof value === "number") return Number.isInteger(value) ? value : undefined;
  if (typeof value !== "string") return undefined;
  if (value === "now") return now;
  const rel = /^([+-])(\d+)([smhd])$/.exec(value);
  if (rel) {
    const unit = { s: 1, m: 60, h: 3600, d: 86400 }[rel[3] as "s"];
    return now + (rel[1] === "-" ? -1 : 1) * Number(rel[2]) * unit;
  }
  if (/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2}))?$/.test(value)) {
    const ms = Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value);
    return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
  }
  return undefined;
}

/** A deterministic redacted value for a key id (the fake has no secrets). */
export function redactFor(id: string, owner: "user" | "service_account"): string {
  let h = 0;
  for (const c of id) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  const tail = h.toString(36).padStart(4, "0").slice(-4);
  return `${owner === "user" ? "sk-proj-" : "sk-svcac"}${"*".repeat(36)}${tail}`;
}

/**
 * Loads a state file. `clock` is the fake's "now" in Unix seconds when the file has no `now`.
 * Problems are returned, located. `full` is the full YAML reader; without it, a file outside
 * the fast reader's subset throws `FullReaderNeeded` (see `withFullReader`).
 */
export function loadState(
  path: string,
  text: string,
  clock: number,
  full?: FullReader,
): { state: FakeState | null; problems: ManifestProblem[] } {
  const problems: ManifestProblem[] = [];
  const doc = parseAndCheck(path, text, STATE_SCHEMA, problems, { full });
  if (!doc || problems.length) return { state: null, problems };
  const root = doc.value as Obj;
  const bad = (o: object, f: string | undefined, msg: string) =>
    problems.push({ ...doc.locate(o, f), message: msg });
  const state = root.orgs ? fleetState(root, clock, bad) : orgState(root, clock, bad);
  return { state: problems.length ? null : state, problems };
}

/** A fleet's state: each org's own, reached by its own admin key; the top holds none. */
function fleetState(root: Obj, clock: number, bad: Bad): FakeState | null {
  const top = orgState({ projects: [] }, stateClock(root, clock, bad), bad);
  if (!top) return null;
  const orgs: FakeOrg[] = [];
  const keys = new Set<string>();
  for (const o of root.orgs as Obj[]) {
    if (keys.has(o.admin_key)) bad(o, "admin_key", "two orgs have the same admin_key");
    keys.add(o.admin_key);
    const state = orgState({ now: root.now, options: root.options, ...o }, clock, bad);
    if (state) orgs.push({ name: o.name, id: o.id, adminKey: o.admin_key, state });
  }
  return { ...top, orgs };
}

/** One organisation's state, from its part of the file. */
function orgState(root: Obj, clock: number, bad: Bad): FakeState | null {
  const now = stateClock(root, clock, bad);
  const time = timeReader(now, bad);
  const users: FakeUser[] = (root.users ?? []).map((u: Obj) => ({
    id: u.id,
    name: u.name,
    email: u.email,
    created_at: time(u, "created_at", now - 400 * 86400)!,
  }));
  if (!withinCap((root.projects ?? []) as Obj[], bad)) return null;
  const projects = buildProjects(root, users, time, bad, now);
  const admin_keys = buildAdminKeys(root.admin_keys ?? [], users, time, bad, now);
  const ctx = { users, projects, adminKeys: admin_keys, time, bad };
  const audit_log = buildAuditLog(root.audit_log, ctx);
  const faults = (root.faults ?? []) as Fault[];
  const options: FakeOptions = {
    expires_at: true,
    latency_ms: 0,
    rate_limit_rps: 0,
    max_url_bytes: 32768,
    writes: false,
    ...root.options,
    budget: { requests: 0, window_s: 60, retry_after: false, ...root.options?.budget },
  };
  return { now, users, projects, admin_keys, audit_log, faults, options };
}

type Bad = (o: object, f: string | undefined, msg: string) => void;
type TimeReader = (o: Obj, f: string, fallback: number | null) => number | null;

/** The state's clock: its `now`, else the fake's. */
function stateClock(root: Obj, clock: number, bad: Bad): number {
  if (root.now === undefined) return clock;
  const n = parseTimestamp(root.now, clock);
  if (typeof n === "number") return n;
  bad(root, "now", `"now" is not a timestamp`);
  return clock;
}

/** Reads a timestamp field relative to `now`; a bad one is a located problem (and null). */
function timeReader(now: number, bad: Bad): TimeReader {
  return (o, f, fallback) => {
    if (!(f in o)) return fallback;
    const v = parseTimestamp(o[f], now);
    if (v === undefined) {
      bad(o, f, `"${f}" is not a timestamp (use Unix seconds, YYYY-MM-DD, now, or -30d/+2h)`);
    }
    return v ?? null;
  };
}

function buildProjects(
  root: Obj,
  users: readonly FakeUser[],
  time: TimeReader,
  bad: Bad,
  now: number,
): FakeProject[] {
  const owners = new Map<string, "user" | "service_account">(users.map((u) => [u.id, "user"]));
  const projects: FakeProject[] = [];
  const seen = new Set<string>();
  for (const p of (root.projects ?? []) as Obj[]) {
    if (seen.has(p.id)) bad(p, "id", `project "${p.id}" appears twice`);
    seen.add(p.id);
    projects.push(buildProject(p, owners, time, bad, now));
  }
  return projects;
}

function buildProject(
  p: Obj,
  orgOwners: Map<string, "user" | "service_account">,
  time: TimeReader,
  bad: Bad,
  now: number,
): FakeProject {
  const status = p.status ?? "active";
  const sas: FakeServiceAccount[] = (p.service_accounts ?? []).map((sa: Obj) => ({
    id: sa.id,
    name: sa.name,
    role: sa.role ?? "member",
    created_at: time(sa, "created_at", now - 300 * 86400)!,
  }));
  const owners = new Map(orgOwners);
  for (const sa of sas) owners.set(sa.id, "service_account");
  const keys: FakeKey[] = [];
  const ids = new Set<string>();
  for (const [k, id, name] of keyEntries(p)) {
    const type = owners.get(k.owner);
    if (!type) {
      bad(k, "owner", `owner "${k.owner}" is neither an org user nor a service account of ${p.id}`);
    }
    if (ids.has(id)) bad(k, "id", `key "${id}" appears twice in ${p.id}`);
    ids.add(id);
    keys.push(fakeKey(k, id, name, type ?? "user", time, now));
  }
  return {
    id: p.id,
    name: p.name ?? null,
    status,
    created_at: time(p, "created_at", now - 500 * 86400)!,
    archived_at: time(p, "archived_at", status === "archived" ? now - 10 * 86400 : null),
    members: p.members ?? [],
    service_accounts: sas,
    keys,
  };
}

/** A project's keys as written, then those its `generate:` makes (`key_<project>_<n>`). */
function* keyEntries(p: Obj): Generator<[Obj, string, string]> {
  for (const k of (p.keys ?? []) as Obj[]) yield [k, k.id, k.name];
  if (!p.generate) return;
  const g = p.generate as Obj;
  for (let n = 1; n <= g.count; n++) {
    const num = String(n).padStart(String(g.count).length, "0");
    yield [
      g,
      `key_${p.id.replace(/^proj_/, "")}_${num}`,
      (g.name ?? "generated-{n}").replace("{n}", num),
    ];
  }
}

function fakeKey(
  k: Obj,
  id: string,
  name: string,
  type: "user" | "service_account",
  time: TimeReader,
  now: number,
): FakeKey {
  return {
    id,
    name,
    owner: k.owner,
    created_at: time(k, "created_at", now - 100 * 86400)!,
    last_used_at: time(k, "last_used_at", null),
    expires_at: time(k, "expires_at", null),
    redacted_value: k.redacted_value ?? redactFor(id, type),
    usage: buildUsage(k, time, now),
    ...(k.created_by ? { created_by: k.created_by } : {}),
  };
}
