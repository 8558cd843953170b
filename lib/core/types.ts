/** Domain types shared by every stage of the pipeline. */

/** Where something was written in a manifest. Lines and columns start at 1. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

/** How serious a drift item or finding is */
export type Severity = "error" | "warning";
/** A policy's configured severity; `off` disables it */
export type PolicySeverity = Severity | "off";
/** What unexpected (unmanaged) keys are: an error, a warning, or ignored */
export type UnmanagedLevel = Severity | "ignore";
/** What owns a key: a user or a service account */
export type OwnerType = "user" | "service_account";

/** The owner a manifest declares for a key */
export interface DeclaredOwner {
  type: OwnerType;
  name: string;
  id?: string;
  email?: string;
  role?: string;
}

/** A key the manifest declares: name, optional pinned id, owner and where it is declared */
export interface DeclaredKey {
  name: string;
  id?: string;
  owner: DeclaredOwner;
  location: SourceLocation;
}

/** A project the manifest declares, with its keys and settings */
export interface DeclaredProject {
  id: string;
  name?: string;
  unmanaged: UnmanagedLevel;
  serviceAccountsOnly: boolean;
  /** `status:` as declared: `archived` declares an archived project (absent: active). */
  status?: "active" | "archived";
  keys: DeclaredKey[];
  /** Its key families (SPEC 11.4), in the order declared; empty when it declares none. */
  families: DeclaredFamily[];
  location: SourceLocation;
}

/**
 * A key family (SPEC 11.4): the keys a secrets manager creates and rotates for one purpose,
 * declared by globs over their owner's name (and optionally their own name) instead of one entry
 * per key. The live keys it matches are managed by it: neither unexpected nor missing.
 */
export interface DeclaredFamily {
  name: string;
  /** The owner type its keys have, and a glob over their owner's name. */
  owner: { type: OwnerType; namePattern: string };
  /** A glob over the key's own name; null: any name. */
  keyNamePattern: string | null;
  /** Who creates and rotates its keys (free text, for the report), or null. */
  managedBy: string | null;
  /** At most this many live keys (null: no limit). */
  maxLive: number | null;
  /** A new key is due this often (null: rotation is not checked). */
  rotateEveryDays: number | null;
  /** Days past `rotateEveryDays` before a late rotation is a finding (0 when not declared). */
  graceDays: number;
  /** Dynamic credentials: each key lives at most this long, as written (`24h`) and in seconds. */
  maxTtl: { text: string; seconds: number } | null;
  location: SourceLocation;
}

/** The manifest's setting for one policy: severity, options and location */
export interface PolicySetting {
  severity?: PolicySeverity;
  options: Record<string, unknown>;
  location: SourceLocation;
}

/** A manifest waiver: one policy, project and key exempted until a date, with a reason */
export interface Waiver {
  policy: string;
  project: string;
  key: string;
  reason: string;
  /** `YYYY-MM-DD`, the last day the waiver applies (UTC). */
  expires: string;
  location: SourceLocation;
  /** Set when the waiver is malformed; such a waiver never applies. */
  problem?: string;
}

/** The manifest's `admin_keys:` section (issue 14). */
export interface DeclaredAdminKeys {
  keys: DeclaredKey[];
  /** `admin_keys_unmanaged` (default error). */
  unmanaged: UnmanagedLevel;
  location: SourceLocation;
}

/**
 * The project id of admin-key drift and findings (they belong to the organisation, not to a
 * project): empty, so it sorts before every project. Their `keyType` is `"admin"`.
 */
export const ORG = "";

/** A loaded manifest: its files, settings, projects, waivers and admin keys */
export interface Manifest {
  files: string[];
  unmanaged: UnmanagedLevel;
  policies: Map<string, PolicySetting>;
  projects: DeclaredProject[];
  waivers: Waiver[];
  /** Null when the manifest has no `admin_keys:` section (admin keys are then not read). */
  adminKeys?: DeclaredAdminKeys | null;
  /**
   * `unmanaged_projects` (issue 21; default error): live projects no manifest declares. `ignore`
   * does not read them; `--project` narrows them out (the scoped manifest says `ignore`).
   */
  unmanagedProjects?: UnmanagedLevel;
  /** Where the first file writes `projects:`: a project no manifest declares is declared there. */
  projectsAt?: SourceLocation;
  /**
   * A fleet (issue 24): the manifest's `orgs:`, each a manifest of its own. Absent for a manifest
   * without `orgs:` (one organisation, `projects` and `adminKeys` above); a fleet's own
   * `projects` is empty and its `adminKeys` null.
   */
  orgs?: DeclaredOrg[];
  /** A fleet's SHA-256 over its files' paths and texts: reports of one fleet share it. */
  sha256?: string;
}

/** One organisation of a fleet manifest (`orgs:`): how to reach it and what it should hold. */
export interface DeclaredOrg {
  name: string;
  /** The organisation id (`org-…`). */
  id: string;
  /** The environment variable that holds this organisation's admin key. */
  adminKeyEnv: string;
  /** The Admin API base URL for this organisation (absent: the run's). */
  apiUrl?: string;
  /** The organisation's projects, admin keys, defaults, policies and waivers. */
  manifest: Manifest;
  location: SourceLocation;
}

/** The owner of a live key, as read from the API */
export interface LiveOwner {
  type: OwnerType;
  id: string;
  name: string;
  email?: string;
  /** Absent only for admin keys whose owner the API sends without a role: never compared. */
  role?: string;
}

/** A live API key, as read from the API: a project key, or an organisation admin key */
export interface LiveKey {
  id: string;
  /** Null for an admin key without a name (the API allows one); a project key always has one. */
  name: string | null;
  redactedValue: string;
  createdAt: number;
  /** Null when the key was never used; `undefined` when the server did not send it (admin keys). */
  lastUsedAt: number | null | undefined;
  /** `undefined` when the server did not send the field (older servers), `null` when it never expires. */
  expiresAt: number | null | undefined;
  ownerProjectAccess: "active" | "inactive";
  owner: LiveOwner;
}

/** A live project, as read from the API (or found not to exist) */
export interface LiveProject {
  id: string;
  /** False when the API answered 404 for the project. */
  found: boolean;
  name: string | null;
  status: string | null;
  keys: LiveKey[];
}

/**
 * Where a project's live state came from in a run (issue 21): read from the API now, or taken
 * from the snapshot (`--snapshot`), which read it at `readAt` (Unix seconds) and which the audit
 * log says has not changed since.
 */
export type ReadSource = { from: "api" } | { from: "snapshot"; readAt: number };

/**
 * Something that could not be read, and the project it concerns (null for the whole run), with
 * what the API said when it answered: its HTTP status, error code and request id.
 */
export interface RunError {
  message: string;
  projectId: string | null;
  /** `api`: a read failed; `unknown`: a project left unknown by another failure; `run`: the run
   * stopped before comparing anything (a usage, manifest or file error). */
  kind: "api" | "unknown" | "run";
  /** The HTTP status the API answered, when it answered. */
  status: number | null;
  /** The API's error code (`error.code`), when it sent one. */
  code: string | null;
  /** The API's request id (`x-request-id`), when it sent one. */
  requestId: string | null;
  /** Where in a manifest (a located manifest problem that stopped the run); absent elsewhere. */
  location?: SourceLocation;
  /** The fleet organisation the error concerns; absent without `orgs:`. */
  org?: string;
}

/** What a policy found about a key, as values (never a sentence): `{ days: 120, limit: 90 }`. */
export type Facts = Readonly<Record<string, string | number | boolean | null>>;

/** The kinds of drift between the manifest and live state */
export type DriftKind =
  | "missing"
  | "unexpected"
  | "changed"
  | "ambiguous"
  | "project_missing"
  | "project_changed"
  | "project_unexpected";

/** A live project that no manifest declares, as a `project_unexpected` item carries it. */
export interface UndeclaredProject {
  name: string | null;
  status: string | null;
  /** Its live keys (all of them were listed to count them). */
  keyCount: number;
}

/** A field whose live value differs from the declared one */
export interface Change {
  path: string;
  expected: string | null;
  actual: string | null;
}

/** A live key's owner as the report carries it (renderers phrase it). */
export interface OwnerRef {
  type: OwnerType;
  id: string;
  name: string;
  /** Users only; null for service accounts. */
  email: string | null;
  /** Null only for an admin key whose owner the API sends without a role. */
  role: string | null;
}

/**
 * The most candidates an ambiguous item lists: the rest are counted (`candidatesTotal`), so no
 * report grows with entries times same-named keys.
 */
export const CANDIDATES_SHOWN = 20;

/** A live key that fits an ambiguous entry. */
export interface Candidate {
  id: string;
  name: string;
  owner: OwnerRef;
}

/** A difference between the manifest and live state, with its severity and location */
export interface Drift extends Enriched {
  kind: DriftKind;
  severity: Severity;
  projectId: string;
  keyId: string | null;
  keyName: string | null;
  changes: Change[];
  location: SourceLocation | null;
  /**
   * For `ambiguous`: the live keys that fit the entry, sorted by id, at most
   * {@link CANDIDATES_SHOWN} of them (`candidatesTotal` says how many fit in all).
   */
  candidates?: Candidate[];
  /** For `ambiguous`: how many live keys fit the entry (absent: as many as `candidates` lists). */
  candidatesTotal?: number;
  /** For `ambiguous`: SHA-256 of the ids of every key that fits (`idSetDigest`). */
  candidateSet?: string;
  /** For `unexpected`: who owns the live key and its redacted value. */
  live?: { owner: OwnerRef; redactedValue: string };
  /** For `project_unexpected` (issue 21): the live project no manifest declares. */
  liveProject?: UndeclaredProject;
  /** Set by `check --baseline` when the item was acknowledged in the baseline (issue 14). */
  baselined?: boolean;
  /** `"admin"` for an organisation admin key (projectId is then {@link ORG}); absent: project. */
  keyType?: "admin";
  /** The fleet organisation (manifest `orgs:`) the item belongs to; absent without `orgs:`. */
  org?: string;
}

/** The waiver a finding matched, and whether it is active, expired or malformed */
export interface WaiverRef {
  reason: string;
  expires: string;
  location: SourceLocation;
  /** `active`, `expired` (past its date) or `malformed`. */
  state: "active" | "expired" | "malformed";
}

/** What a policy found about a key, and whether a waiver covers it */
export interface Finding extends Enriched {
  policy: string;
  severity: Severity;
  projectId: string;
  keyId: string | null;
  keyName: string | null;
  /** What the policy found (its rule's message template says it in words). */
  facts: Facts;
  waived: boolean;
  waiver: WaiverRef | null;
  location: SourceLocation | null;
  /** Set by `check --baseline` when the item was acknowledged in the baseline (issue 14). */
  baselined?: boolean;
  /** `"admin"` for an organisation admin key (projectId is then {@link ORG}); absent: project. */
  keyType?: "admin";
  /** The key family a family policy's finding is about (SPEC 11.4); absent on other findings. */
  family?: string;
  /** The fleet organisation (manifest `orgs:`) the item belongs to; absent without `orgs:`. */
  org?: string;
  /**
   * For a policy that reads `last_used_at` on a key taken from the snapshot (issue 21): when the
   * snapshot read the key (Unix seconds). The API changes `last_used_at` without an audit event,
   * so the finding holds as of then.
   */
  dataAsOf?: number;
}

/** Why a `--snapshot` run read every project instead of what changed (issue 21). */
export const FULL_READ_REASONS = [
  "no_snapshot",
  "unreadable",
  "invalid",
  "too_old",
  "other_api",
  "scope",
  "no_position",
  "audit_unavailable",
  "audit_gap",
  "audit_too_long",
  "event",
] as const;

/** One of {@link FULL_READ_REASONS}. */
export type FullReadReason = (typeof FULL_READ_REASONS)[number];

/** How a run used `--snapshot FILE` (issue 21), as facts for the report. */
export interface SnapshotUse {
  file: string;
  /** Why every project was read now, with what it concerns (a file problem, an event type); null: the snapshot was used. */
  fullRead: { reason: FullReadReason; detail: string | null } | null;
  /** When the snapshot the run used was written (Unix seconds); null when it read everything. */
  basedOn: number | null;
  /** Whether the run wrote a new snapshot (it does after a complete read). */
  written: boolean;
}

/** The owner of an admin API key, as the Admin API describes it (no email is sent). */
export interface LiveAdminOwner {
  type: OwnerType;
  id: string;
  name: string;
  /** Null when the API does not send it. */
  role: string | null;
}

/** An organisation admin API key (`sk-admin-…`) as read from the Admin API (issue 14). */
export interface LiveAdminKey {
  id: string;
  /** The API allows a key without a name. */
  name: string | null;
  redactedValue: string;
  createdAt: number;
  /** `undefined` when the server did not send it, `null` when the key was never used. */
  lastUsedAt: number | null | undefined;
  /** Null when the key never expires. */
  expiresAt: number | null;
  owner: LiveAdminOwner;
}

/** Who performed an audit-logged action; the ones the event does not carry are null. */
export interface AuditActor {
  /** `session`: a person in the dashboard; `api_key`: a request made with a key. */
  type: "session" | "api_key";
  user_id: string | null;
  email: string | null;
  api_key_id: string | null;
  service_account_id: string | null;
}

/** One audit-log event about a key, in the report's words (SPEC 10.5). */
export interface KeyEvent {
  event: "api_key.created" | "api_key.updated";
  /** Unix seconds. */
  at: number;
  /** Null when the log does not say who acted. */
  actor: AuditActor | null;
  ip_address: string | null;
  user_agent: string | null;
}

/** What the audit log says about one key in the window read. */
export interface KeyAttribution {
  /** Its `api_key.created` event, or null when that is outside the window. */
  created: KeyEvent | null;
  /** Its latest `api_key.updated` event, or null when there is none in the window. */
  updated: KeyEvent | null;
}

/**
 * The Usage API's families that attribute use to a key: the paths `/organization/usage/<family>`
 * whose `group_by` accepts `api_key_id` (SPEC 11.3). `vector_stores` and
 * `code_interpreter_sessions` group by project only, so they cannot say which key was used.
 */
export const USAGE_FAMILIES = [
  "completions",
  "embeddings",
  "moderations",
  "images",
  "audio_speeches",
  "audio_transcriptions",
  "file_search_calls",
  "web_search_calls",
] as const;
/** One per-key usage family. */
export type UsageFamily = (typeof USAGE_FAMILIES)[number];

/**
 * A key's use over a window of whole UTC days, across every usage family, and its spend (SPEC
 * 10.5, 11.3). When not `complete`, every count is a lower bound.
 */
export interface KeyUsage {
  /** Requests (model requests, and tool calls for the tool families) summed over the families. */
  requests: number;
  /** Input tokens of the families that count them (completions, embeddings, moderations). */
  input_tokens: number;
  /** Output tokens (completions). */
  output_tokens: number;
  /** Requests per family, for the families with use only. */
  by_family: Partial<Record<UsageFamily, number>>;
  /** Spend over the window in US dollars, or null when unknown (`costError` says why). */
  cost_usd: number | null;
  /** Every family was read over the whole window for this key. */
  complete: boolean;
  /** The families whose figure for this key is unknown (empty exactly when `complete`). */
  unknown_families: UsageFamily[];
}

/**
 * What `--usage` concludes of a key's use in the window: `used` (a family counts a request),
 * `unused` (every family read whole, none counts a request, and nothing else says otherwise),
 * `unknown` (no request counted, but a family could not be read whole), `inconsistent` (no
 * request counted, but the key's `last_used_at` falls in the window or it has spend there).
 */
export type UsageVerdict = "used" | "unused" | "unknown" | "inconsistent";

/** What a fix does (SPEC 11.3); `edit_manifest` changes the manifest instead of the API. */
export type FixAction =
  | "delete_key"
  | "delete_service_account"
  | "delete_admin_key"
  | "set_expiry"
  | "create_service_account"
  | "create_key"
  | "edit_manifest";

/**
 * The Admin API call that would fix a drift item or finding, as data; keydrift never sends it
 * (SPEC 10.5, 11.3). `method: "EDIT"` is a change to the manifest instead: `path` is `file:line` of
 * the entry (or project) to edit and `body` says what to change (README, "Remediation").
 */
export interface Remediation {
  action: FixAction;
  method: "DELETE" | "POST" | "EDIT";
  /** An Admin API path (`/organization/...`), or `file:line` for an edit. */
  path: string;
  body: RemediationBody | null;
  /** The objects the fix acts on (null where it names none: an admin key has no project). */
  ids: { project_id: string | null; key_id: string | null; service_account_id: string | null };
  /** Whether the published OpenAPI spec has this endpoint; null for a manifest edit. */
  in_published_spec: boolean | null;
  /** For a fix that sets or enforces an expiry: counted from now or from the key's creation. */
  expiry?: { from: "now" | "created"; days: number };
  /** Set when the fix is not the item's own remedy: the action it stands in for, and why. */
  instead_of?: InsteadOf;
}

/**
 * Why a fix stands in for the item's own remedy (README, "Remediation"):
 * - `service_account_holds`: the key belongs to a service account, which goes only as a whole
 *   (the published spec refuses a plain delete of its keys), and the account holds something else
 *   this run keeps: its other live keys (`account.keys`) or declared entries (`account.entries`);
 * - `use_unknown`: `--usage` could not establish the key's use (the read failed, or was incomplete
 *   and counted nothing), so nothing deletes it;
 * - `use_inconsistent`: the usage API and `last_used_at` disagree about the key, so nothing
 *   deletes it;
 * - `key_deleted`: another open item's fix deletes the key, which wins over this one's call;
 * - `project_archived`: the key's project is archived, and the API changes nothing in one.
 */
export interface InsteadOf {
  action: FixAction;
  because:
    | "service_account_holds"
    | "use_unknown"
    | "use_inconsistent"
    | "key_deleted"
    | "project_archived";
  /** For `service_account_holds`: the account, and its other keys and entries that keep it. */
  account?: { id: string; keys: string[]; entries: string[] };
}

/** What a fix sends (POST) or writes into the manifest (EDIT); README, "Remediation". */
export type RemediationBody =
  | { expires_in_seconds: number }
  | { name: string }
  | { add_entry: { name: string | null; id: string | null } }
  | { add_project: { id: string; name: string | null } }
  | { remove: "entry" | "project" }
  | { set: Record<string, string | null> }
  | { pin_one_of: string[] }
  | { add_waiver: { policy: string; project: string; key: string | null } };

/** Enrichment a drift item or finding carries after `check --attribute` / `--usage` (SPEC 10.5). */
export interface Enriched {
  /** Omitted when not asked for or not applicable; null with `attributionError` when unknown. */
  attribution?: KeyEvent | null;
  /** The key's latest `api_key.updated` event in the window (with `attribution`), or null. */
  lastUpdate?: KeyEvent | null;
  attributionError?: string;
  usage?: (KeyUsage & { days: number }) | null;
  /** Why `usage` is null, or (with `usage.complete` false) which families are unknown and why. */
  usageError?: string;
  /** Why `usage.cost_usd` is null. */
  costError?: string;
  /** With `--usage`, on every item it covers: what the usage says of the key's use. */
  usageVerdict?: UsageVerdict;
  /** For an `inconsistent` verdict: what says the key was used in the window. */
  usageConflict?: { lastUsedAt: number | null; costUsd: number | null };
  /** A finding about use (`last_used_at`) that the usage API contradicts: it counts requests. */
  usageContradicts?: boolean;
  remediation?: Remediation;
}

/** A project as the Admin API describes it, in the fields keydrift uses. */
export interface WireProject {
  id: string;
  name: string | null;
  status: string | null;
}

/** Where an endpoint's budget came from: `--max-rpm`, or the API's refusals (issue 21). */
export type BudgetSource = "max-rpm" | "learned";

/** The requests one endpoint (path template) was sent in a run, and its budget (issue 21). */
export interface EndpointUse {
  /** The path template, as the OpenAPI spec names it (`/organization/projects/{project_id}`). */
  endpoint: string;
  requests: number;
  /** Answered 429: refused by the budget (or a `retry-after`). */
  refused: number;
  /** Requests a minute, when known. */
  budget: number | null;
  source: BudgetSource | null;
}

/** The requests a run sent to the Admin API, refused ones included (issue 21). */
export interface ApiUse {
  requests: number;
  refused: number;
  retries: number;
  /** One per endpoint the run sent a request to, in the order first used. */
  endpoints: EndpointUse[];
}
