/**
 * Manifest loading: text -> {@link Manifest}, with a location on every entry and every problem
 * collected and located. Pure: callers read the files and pass their text.
 */
import { buildSchema, type PolicySchemaSource } from "./schema.ts";
import { buildFamilies } from "./families.ts";
import { type CheckedDocument, type FullReader, parseAndCheck } from "../yaml/check.ts";
import { type ManifestProblem, suggestion } from "../core/errors.ts";
import { escapedId, idProblem } from "../core/ids.ts";
import type {
  DeclaredAdminKeys,
  DeclaredKey,
  DeclaredOwner,
  DeclaredProject,
  Manifest,
  PolicySetting,
  SourceLocation,
  UnmanagedLevel,
  Waiver,
} from "../core/types.ts";

/** One manifest file's path (as the user wrote it) and text. */
export interface ManifestSource {
  path: string;
  text: string;
}

/**
 * The outcome of loading a manifest: the manifest (when valid), its problems, and its malformed
 * waivers
 */
export interface LoadResult {
  /** Null when any problem was found. */
  manifest: Manifest | null;
  /** Every problem, sorted by file, line and column. */
  problems: ManifestProblem[];
  /**
   * Waivers that are malformed (an impossible date, a blank reason). `validate` treats them as
   * errors; `check` does not apply them and says so in the report.
   */
  waiverProblems: ManifestProblem[];
}

// deno-lint-ignore no-explicit-any
type Obj = Record<string, any>;

interface FilePart {
  unmanaged?: { value: UnmanagedLevel; loc: SourceLocation };
  adminKeys?: DeclaredAdminKeys;
  policies: Map<string, PolicySetting>;
  /** Each project with its own `unmanaged` setting, if any; the rest follow the merged defaults. */
  projects: { project: DeclaredProject; unmanaged?: UnmanagedLevel }[];
  waivers: Waiver[];
}

const at = (loc: SourceLocation, message: string): ManifestProblem => ({ ...loc, message });

/** `node.id` as a located problem when it cannot be an id (`core/ids.ts`); an empty one is the schema's. */
function checkId(doc: CheckedDocument, node: Obj, what: string, problems: ManifestProblem[]) {
  const problem = typeof node.id === "string" && node.id !== "" ? idProblem(node.id) : null;
  if (problem) {
    problems.push(
      at(doc.locate(node, "id"), `${what} ${escapedId(node.id)} cannot be used: ${problem}`),
    );
  }
}

/**
 * Loads and merges one or more manifests. `full` is the full YAML reader (`readFull` in
 * `yaml/full.ts`); without it, a file outside the fast reader's subset throws
 * `FullReaderNeeded` (`withFullReader` in `yaml/check.ts` loads it then and calls again).
 */
export function loadManifests(
  sources: readonly ManifestSource[],
  policies: readonly PolicySchemaSource[],
  full?: FullReader,
): LoadResult {
  const schema = buildSchema(policies);
  const problems: ManifestProblem[] = [];
  const waiverProblems: ManifestProblem[] = [];
  const parts: FilePart[] = [];
  for (const src of sources) {
    const doc = parseAndCheck(src.path, src.text, schema, problems, { full });
    if (doc && doc.value && typeof doc.value === "object") {
      parts.push(buildPart(doc, doc.value as Obj, policies, problems));
    }
  }
  const manifest = merge(sources.map((s) => s.path), parts, problems);
  checkReferences(manifest, policies, problems, waiverProblems);
  problems.sort(byPlace);
  waiverProblems.sort(byPlace);
  return { manifest: problems.length ? null : manifest, problems, waiverProblems };
}

function byPlace(a: ManifestProblem, b: ManifestProblem): number {
  return a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column;
}

function buildPart(
  doc: CheckedDocument,
  root: Obj,
  policies: readonly PolicySchemaSource[],
  problems: ManifestProblem[],
): FilePart {
  const part: FilePart = { policies: new Map(), projects: [], waivers: [] };
  if (root.version !== undefined && root.version !== 1 && typeof root.version === "number") {
    problems.push(at(doc.locate(root, "version"), `unsupported manifest version ${root.version}`));
  }
  if (root.defaults?.unmanaged) {
    part.unmanaged = {
      value: root.defaults.unmanaged,
      loc: doc.locate(root.defaults, "unmanaged"),
    };
  }
  part.policies = policySettings(doc, root, policies, problems);
  for (const p of (root.projects ?? []) as Obj[]) {
    if (p && typeof p === "object" && typeof p.id === "string") {
      const project = buildProject(doc, p, problems);
      part.projects.push(p.unmanaged ? { project, unmanaged: p.unmanaged } : { project });
    }
  }
  if (Array.isArray(root.admin_keys)) {
    part.adminKeys = {
      keys: buildKeys(doc, root.admin_keys, problems),
      unmanaged: root.admin_keys_unmanaged ?? "error",
      location: doc.locate(root, "admin_keys"),
    };
  }
  part.waivers = waivers(doc, root);
  return part;
}

/** The `policies:` settings, each option checked by its policy's own check. */
function policySettings(
  doc: CheckedDocument,
  root: Obj,
  policies: readonly PolicySchemaSource[],
  problems: ManifestProblem[],
): FilePart["policies"] {
  const out: FilePart["policies"] = new Map();
  const byId = new Map(policies.map((p) => [p.id, p]));
  for (const [id, raw] of Object.entries((root.policies ?? {}) as Obj)) {
    if (!raw || typeof raw !== "object") continue;
    const { severity, ...options } = raw as Obj;
    for (const [name, value] of Object.entries(options)) {
      const problem = byId.get(id)?.options[name]?.check?.(value);
      if (problem) {
        problems.push(at(doc.locate(raw, name), `policy ${id} option "${name}": ${problem}`));
      }
    }
    out.set(id, { severity, options, location: doc.locate(root.policies, id) });
  }
  return out;
}

/** The `waivers:` entries that have every field (the schema reports the others). */
function waivers(doc: CheckedDocument, root: Obj): Waiver[] {
  const out: Waiver[] = [];
  for (const w of (root.waivers ?? []) as Obj[]) {
    if (
      w && typeof w === "object" &&
      !hasUndefined(w, ["policy", "project", "key", "reason", "expires"])
    ) {
      const { policy, project, key, reason, expires } = w;
      out.push({ policy, project, key, reason, expires, location: doc.locate(w) });
    }
  }
  return out;
}

function hasUndefined(o: Obj, fields: string[]): boolean {
  return fields.some((f) => o[f] === undefined);
}

function buildProject(doc: CheckedDocument, p: Obj, problems: ManifestProblem[]): DeclaredProject {
  checkId(doc, p, "project id", problems);
  const keys = buildKeys(doc, (p.keys ?? []) as Obj[], problems);
  return {
    id: p.id,
    ...(typeof p.name === "string" ? { name: p.name } : {}),
    unmanaged: "error",
    serviceAccountsOnly: p.service_accounts_only === true,
    keys,
    families: buildFamilies(doc, (p.families ?? []) as Obj[], problems),
    location: doc.locate(p),
  };
}

/** Key entries (of a project or of `admin_keys:`), each located. */
function buildKeys(doc: CheckedDocument, list: Obj[], problems: ManifestProblem[]): DeclaredKey[] {
  const keys: DeclaredKey[] = [];
  for (const k of list) {
    if (!k || typeof k !== "object" || typeof k.name !== "string" || !k.owner?.type) continue;
    // The checked owner has exactly DeclaredOwner's shape (the schema allows nothing else).
    const owner = k.owner as DeclaredOwner;
    checkId(doc, k, "key id", problems);
    checkId(doc, k.owner, "owner id", problems);
    if (owner.type === "service_account" && owner.email !== undefined) {
      problems.push(
        at(
          doc.locate(k.owner, "email"),
          `"email" applies to user owners only, not service accounts`,
        ),
      );
    }
    const location = doc.locate(k);
    // Two literal shapes, no spread: a manifest may hold 100,000 of these.
    keys.push(
      k.id ? { name: k.name, id: k.id, owner, location } : { name: k.name, owner, location },
    );
  }
  return keys;
}

function merge(files: string[], parts: FilePart[], problems: ManifestProblem[]): Manifest {
  const manifest: Manifest = {
    files,
    unmanaged: "error",
    policies: new Map(),
    projects: [],
    waivers: [],
    adminKeys: null,
  };
  const seen = { unmanagedAt: null as SourceLocation | null, projectAt: new Map() };
  for (const part of parts) mergePart(manifest, part, seen, problems);
  // A project without its own `unmanaged` follows defaults, which may live in another file.
  for (const part of parts) {
    for (const { project, unmanaged } of part.projects) {
      project.unmanaged = unmanaged ?? manifest.unmanaged;
    }
  }
  return manifest;
}

/** Adds one file's part to `manifest`; what two files both declare is a located problem. */
function mergePart(
  manifest: Manifest,
  part: FilePart,
  seen: { unmanagedAt: SourceLocation | null; projectAt: Map<string, SourceLocation> },
  problems: ManifestProblem[],
): void {
  const twice = (where: SourceLocation, what: string) => problems.push(at(where, what));
  const u = part.unmanaged;
  if (u) {
    const prev = seen.unmanagedAt;
    if (prev && u.value !== manifest.unmanaged) {
      twice(
        u.loc,
        `defaults.unmanaged is already set to "${manifest.unmanaged}" at ${place(prev)}`,
      );
    }
    manifest.unmanaged = u.value;
    seen.unmanagedAt = u.loc;
  }
  for (const [id, setting] of part.policies) {
    const prev = manifest.policies.get(id);
    if (prev) {
      twice(setting.location, `policy ${id} is already configured at ${place(prev.location)}`);
    } else manifest.policies.set(id, setting);
  }
  for (const { project: p } of part.projects) {
    const prev = seen.projectAt.get(p.id);
    if (prev) {
      twice(p.location, `project "${p.id}" is declared twice: here and at ${place(prev)}`);
      continue;
    }
    seen.projectAt.set(p.id, p.location);
    manifest.projects.push(p);
  }
  manifest.waivers.push(...part.waivers);
  if (part.adminKeys) mergeAdminKeys(manifest, part.adminKeys, problems);
}

function mergeAdminKeys(
  manifest: Manifest,
  admin: NonNullable<FilePart["adminKeys"]>,
  problems: ManifestProblem[],
): void {
  if (!manifest.adminKeys) manifest.adminKeys = admin;
  else {
    const first = place(manifest.adminKeys.location);
    problems.push(at(admin.location, `admin_keys is declared twice: here and at ${first}`));
  }
}

function place(loc: SourceLocation): string {
  return `${loc.file}:${loc.line}:${loc.column}`;
}

/** Pinned ids used twice; waivers that name unknown projects or impossible dates. */
function checkReferences(
  manifest: Manifest,
  policies: readonly PolicySchemaSource[],
  problems: ManifestProblem[],
  waiverProblems: ManifestProblem[],
): void {
  const pinned = new Map<string, SourceLocation>();
  for (const keys of [...manifest.projects.map((p) => p.keys), manifest.adminKeys?.keys ?? []]) {
    for (const k of keys) {
      if (!k.id) continue;
      const prev = pinned.get(k.id);
      if (prev) {
        problems.push(
          at(k.location, `key id "${k.id}" is pinned by two entries: here and at ${place(prev)}`),
        );
      } else pinned.set(k.id, k.location);
    }
  }
  const projects = new Set(manifest.projects.map((p) => p.id));
  const ids = policies.map((p) => p.id);
  for (const w of manifest.waivers) {
    if (!projects.has(w.project)) {
      problems.push(
        at(
          w.location,
          `waiver names project "${w.project}", which no manifest declares${
            suggestion(w.project, [...projects])
          }`,
        ),
      );
    }
    if (!ids.includes(w.policy)) continue;
    if (!isCalendarDate(w.expires)) w.problem = `expires "${w.expires}" is not a real date`;
    else if (w.reason.trim() === "") w.problem = "the reason is blank";
    if (w.problem) {
      waiverProblems.push(at(w.location, `malformed waiver for ${w.policy}: ${w.problem}`));
    }
  }
}

/** True for a real `YYYY-MM-DD` date. */
export function isCalendarDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  return d.getUTCFullYear() === +m[1] && d.getUTCMonth() === +m[2] - 1 && d.getUTCDate() === +m[3];
}
