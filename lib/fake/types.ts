/** The fake Admin API's types: its state, its faults and the JSON it sends (no code). */

/** A JSON object as the fake sends it */
// deno-lint-ignore no-explicit-any
export type Json = Record<string, any>;

/** Every usage family of the spec (`/organization/usage/<family>`), which the fake serves */
export const USAGE_ENDPOINTS = [
  "completions",
  "embeddings",
  "moderations",
  "images",
  "audio_speeches",
  "audio_transcriptions",
  "vector_stores",
  "code_interpreter_sessions",
  "file_search_calls",
  "web_search_calls",
] as const;
/** A usage endpoint the fake serves */
export type UsageEndpoint = (typeof USAGE_ENDPOINTS)[number];

/** Usage of one key at one time (the start of a UTC day for `day:` records), and its cost. */
export interface FakeUsage {
  at: number;
  endpoint: UsageEndpoint;
  /** Model requests, or calls for the tool families (file and web searches). */
  requests: number;
  input_tokens: number;
  output_tokens: number;
  /** The family's own count: images, characters, seconds, bytes, sessions, web-search model requests. */
  units: number;
  /** What the record cost (the Costs API), in `currency`. */
  cost: number;
  currency: string;
}

/** The dimensions the fake's usage and costs results group and filter by. */
export type UsageDim = "project_id" | "user_id" | "api_key_id";

/**
 * A usage record with the dimensions it is grouped and filtered by; `api_key_id` is null for the
 * families that cannot be attributed to a key (`vector_stores`, `code_interpreter_sessions`).
 */
export interface UsageRow extends FakeUsage {
  project_id: string;
  user_id: string;
  api_key_id: string | null;
}

/** Who did something, as written in the state file (resolved to a wire actor when loaded). */
export interface ActorRef {
  user?: string;
  service_account?: string;
  api_key?: string;
  ip?: string;
  user_agent?: string;
}

/** The owner of a fake admin key: a user or a service account */
export interface FakeAdminKeyOwner {
  type: "user" | "service_account";
  id: string;
  name: string;
  created_at: number;
  role: string;
}

/** An admin API key in the fake organisation */
export interface FakeAdminKey {
  id: string;
  name: string | null;
  owner: FakeAdminKeyOwner;
  created_at: number;
  last_used_at: number | null;
  expires_at: number | null;
  redacted_value: string;
}

/** The fake organisation's audit log: whether it is enabled, and its events */
export interface FakeAuditLog {
  /** false: every audit-log request gets the "not enabled" error. */
  enabled: boolean;
  /** Wire `AuditLog` objects, newest first. */
  // deno-lint-ignore no-explicit-any
  events: Record<string, any>[];
}

/**
 * Where a fault fires. `list` is a key-listing page; `key` a key retrieve; `project` a project
 * retrieve; `audit_logs`, `usage` (every family, or `family`), `costs` and `admin_keys` those
 * endpoints (any page, or `page`).
 */
export type FaultTarget =
  | "list"
  | "key"
  | "project"
  | "projects"
  | "audit_logs"
  | "usage"
  | "costs"
  | "admin_keys"
  | "any";

/** What a fault does to a response */
export type FaultKind =
  | "status"
  | "malformed"
  | "truncated"
  | "html"
  | "wrong_shape"
  | "no_has_more"
  | "no_last_id"
  | "loop_cursor"
  | "empty_page_has_more"
  | "duplicate"
  | "ownerless"
  | "hang"
  | "reset"
  | "missing_bucket";

/** A fault injected into the fake's answers: which requests, what kind, and its details */
export interface Fault {
  on: FaultTarget;
  kind: FaultKind;
  project?: string;
  /** For `usage`: the family (`completions`, ...) it fires on; default every family. */
  family?: string;
  /** 1-based page of a listing; default every page. */
  page?: number;
  status?: number;
  retry_after?: string;
  retry_after_ms?: string;
  /** How many times the fault fires; default every time. */
  times?: number;
}

/** A user of the fake organisation */
export interface FakeUser {
  id: string;
  name: string;
  email: string;
  created_at: number;
}

/** A project member: a user and their role */
export interface FakeMember {
  user: string;
  role: string;
}

/** A service account of a fake project */
export interface FakeServiceAccount {
  id: string;
  name: string;
  role: string;
  created_at: number;
}

/** A project API key in the fake organisation */
export interface FakeKey {
  id: string;
  name: string;
  owner: string;
  created_at: number;
  last_used_at: number | null;
  expires_at: number | null;
  redacted_value: string;
  /** Usage records (the usage endpoints). */
  usage: FakeUsage[];
  /** Who created it, as written in the state file (its audit event is built when loaded). */
  created_by?: ActorRef;
}

/** A project of the fake organisation, with its members, service accounts and keys */
export interface FakeProject {
  id: string;
  name: string | null;
  status: "active" | "archived";
  created_at: number;
  archived_at: number | null;
  members: FakeMember[];
  service_accounts: FakeServiceAccount[];
  keys: FakeKey[];
}

/**
 * The Admin API's budget (issue 21): `requests` per rolling window of `window_s` seconds, per path
 * template; past it a 429, with `retry-after` only when `retry_after` is true
 */
export interface FakeBudget {
  /** Requests each path template serves per window; 0 = no budget. */
  requests: number;
  window_s: number;
  /** Send `retry-after` (whole seconds until the window has room) with each refusal. */
  retry_after: boolean;
}

/** How the fake behaves: optional fields, latency, rate limit, budget and URL length limit */
export interface FakeOptions {
  /** Emit `expires_at` on keys (default true); false mimics servers that predate the field. */
  expires_at: boolean;
  latency_ms: number;
  /** Requests per second before 429s; 0 = unlimited. */
  rate_limit_rps: number;
  /** The per-path-template budget of the real API (default none). */
  budget: FakeBudget;
  /**
   * Longest path + query accepted; longer gets the edge's 414 (default 32,768: Cloudflare, in front
   * of api.openai.com, documents a 414 above 32 KB); 0 = no limit.
   */
  max_url_bytes: number;
  /** Serve the write endpoints the fixes call (default false: the fake is read-only). */
  writes: boolean;
}

/**
 * The fake organisation the fake API serves: its clock, users, projects, admin keys, audit log,
 * faults and options
 */
export interface FakeState {
  /** The state's clock in Unix seconds (the default `end_time` of usage queries). */
  now: number;
  users: FakeUser[];
  projects: FakeProject[];
  admin_keys: FakeAdminKey[];
  audit_log: FakeAuditLog;
  faults: Fault[];
  options: FakeOptions;
  /**
   * A fleet (issue 24): each organisation's own state, reached with its own admin key. The top
   * level then serves nothing: a request with another key is refused as an unknown key.
   */
  orgs?: FakeOrg[];
}

/** One organisation of a fleet state file. */
export interface FakeOrg {
  name: string;
  id: string;
  /** The admin key that reads this org (an `sk-admin-…` value of the state file, no secret). */
  adminKey: string;
  state: FakeState;
}
