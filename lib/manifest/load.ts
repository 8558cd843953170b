/**
 * Manifest loading: text -> {@link Manifest}, with a location on every entry and every problem
 * collected and located. Pure: callers read the files and pass their text.
 */
import { buildSchema, type PolicySchemaSource } from "./schema.ts";
import { type FilePart, merge } from "./merge.ts";
import { buildFamilies } from "./families.ts";
import { type CheckedDocument, type FullReader, parseAndCheck } from "../yaml/check.ts";
import type { ManifestProblem } from "../core/errors.ts";
import { checkId, checkShown } from "./values.ts";
import { capPerFile } from "./problems.ts";
import { checkReferences, type Refs } from "./references.ts";
export { isCalendarDate } from "./references.ts";
import { fleetManifest, orgParts } from "./orgs.ts";
import type {
  DeclaredKey,
  DeclaredOwner,
  DeclaredProject,
  Manifest,
  SourceLocation,
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
  /** Every problem, sorted by file, line and column; past 50 in a file, one line counts the rest. */
  problems: ManifestProblem[];
  /**
   * Waivers that are malformed (an impossible date, a blank reason). `validate` treats them as
   * errors; `check` does not apply them and says so in the report.
   */
  waiverProblems: ManifestProblem[];
}

// deno-lint-ignore no-explicit-any
type Obj = Record<string, any>;

const at = (loc: SourceLocation, message: string): ManifestProblem => ({ ...loc, message });

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
  const files = sources.map((s) => s.path);
  const manifest = merge(files, parts, problems);
  if (parts.some((p) => p.orgs)) {
    fleetManifest(manifest, parts, problems, (orgParts) => merge(files, orgParts, problems));
  }
  crossCheck(manifest, sources, parts, policies, { problems, waiverProblems });
  problems.sort(byPlace);
  waiverProblems.sort(byPlace);
  return {
    manifest: problems.length ? null : manifest,
    problems: capPerFile(problems),
    waiverProblems,
  };
}

/** What only the merged manifest can tell: a file declares projects; references hold. */
function crossCheck(
  manifest: Manifest,
  sources: readonly ManifestSource[],
  parts: readonly FilePart[],
  policies: readonly PolicySchemaSource[],
  out: { problems: ManifestProblem[]; waiverProblems: ManifestProblem[] },
): void {
  // A file that could not be read as YAML declares projects nobody can see: a waiver naming one
  // is not known to be wrong, so the check of waivers' projects waits until every file reads.
  const everyFileRead = parts.length === sources.length;
  if (everyFileRead && !parts.some((p) => p.declaresKeys)) {
    // Every file read, none says which projects to check: a manifest of only waivers is a mistake.
    out.problems.push({
      file: sources[0].path,
      line: 1,
      column: 1,
      message:
        `no manifest file declares "projects" (or "admin_keys" or "orgs"); add projects: to one ` +
        "(projects: [] checks none)",
    });
  }
  const refsOf = (ps: readonly FilePart[]): Refs => ({
    waivers: ps.flatMap((p) => p.refs.waivers),
    pins: ps.flatMap((p) => p.refs.pins),
  });
  const check = (m: Manifest, refs: Refs) =>
    checkReferences(m, refs, policies, out.problems, out.waiverProblems, everyFileRead);
  check(manifest, refsOf(parts));
  // Each org of a fleet is a manifest of its own: its references are checked within it.
  const orgParts = parts.flatMap((p) => p.orgs ?? []);
  for (const o of manifest.orgs ?? []) {
    check(o.manifest, refsOf(orgParts.filter((x) => x.org.name === o.name).map((x) => x.part)));
  }
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
  const part: FilePart = {
    policies: new Map(),
    projects: [],
    waivers: [],
    refs: { waivers: [], pins: [] },
    declaresKeys: root.projects !== undefined || root.admin_keys !== undefined ||
      root.orgs !== undefined,
  };
  if (root.version !== undefined && root.version !== 1 && typeof root.version === "number") {
    problems.push(at(doc.locate(root, "version"), `unsupported manifest version ${root.version}`));
  }
  levels(doc, root, part);
  part.policies = policySettings(doc, root, policies, problems);
  for (const p of (root.projects ?? []) as Obj[]) {
    if (p && typeof p === "object" && typeof p.id === "string") {
      const project = buildProject(doc, p, problems, part.refs.pins);
      part.projects.push(p.unmanaged ? { project, unmanaged: p.unmanaged } : { project });
    }
  }
  if (Array.isArray(root.admin_keys)) {
    part.adminKeys = {
      keys: buildKeys(doc, root.admin_keys, problems, part.refs.pins),
      unmanaged: root.admin_keys_unmanaged ?? "error",
      location: doc.locate(root, "admin_keys"),
    };
  }
  part.waivers = waivers(doc, root, part.refs.waivers);
  fleetPart(part, doc, root, (o) => buildPart(doc, o, policies, problems), problems);
  return part;
}

/** Where a file declares flat projects or `orgs:`, and each org's own part (issue 24). */
function fleetPart(
  part: FilePart,
  doc: CheckedDocument,
  root: Obj,
  build: (entry: Obj) => FilePart,
  problems: ManifestProblem[],
): void {
  if (root.projects !== undefined) part.flatAt = doc.locate(root, "projects");
  else if (root.admin_keys !== undefined) part.flatAt = doc.locate(root, "admin_keys");
  if (Array.isArray(root.orgs)) {
    part.orgsAt = doc.locate(root, "orgs");
    part.orgs = orgParts(doc, root.orgs, problems, build);
  }
}

/** The file's `defaults.unmanaged` and `unmanaged_projects` levels, and where it writes `projects:`. */
function levels(doc: CheckedDocument, root: Obj, part: FilePart): void {
  if (root.defaults?.unmanaged) {
    part.unmanaged = {
      value: root.defaults.unmanaged,
      loc: doc.locate(root.defaults, "unmanaged"),
    };
  }
  if (root.unmanaged_projects) {
    part.unmanagedProjects = {
      value: root.unmanaged_projects,
      loc: doc.locate(root, "unmanaged_projects"),
    };
  }
  if (root.projects !== undefined) part.projectsAt = doc.locate(root, "projects");
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

/**
 * The `waivers:` entries that have every field (the schema reports the others); those that lack
 * one but name a project go to `incomplete`, for the reference check only.
 */
function waivers(doc: CheckedDocument, root: Obj, incomplete: Waiver[]): Waiver[] {
  const out: Waiver[] = [];
  for (const w of (Array.isArray(root.waivers) ? root.waivers : []) as Obj[]) {
    if (!w || typeof w !== "object") continue;
    const { policy, project, key, reason, expires } = w;
    const waiver = { policy, project, key, reason, expires, location: doc.locate(w) };
    if (!hasUndefined(w, ["policy", "project", "key", "reason", "expires"])) out.push(waiver);
    else if (typeof project === "string") incomplete.push(waiver);
  }
  return out;
}

function hasUndefined(o: Obj, fields: string[]): boolean {
  return fields.some((f) => o[f] === undefined);
}

function buildProject(
  doc: CheckedDocument,
  p: Obj,
  problems: ManifestProblem[],
  pins: Refs["pins"],
): DeclaredProject {
  checkId(doc, p, "project id", problems);
  checkShown(doc, p, ["name"], problems);
  const keys = buildKeys(doc, (Array.isArray(p.keys) ? p.keys : []) as Obj[], problems, pins);
  return {
    id: p.id,
    ...(typeof p.name === "string" ? { name: p.name } : {}),
    unmanaged: "error",
    serviceAccountsOnly: p.service_accounts_only === true,
    ...(p.status === "archived" || p.status === "active" ? { status: p.status } : {}),
    keys,
    families: buildFamilies(doc, (p.families ?? []) as Obj[], problems),
    location: doc.locate(p),
  };
}

/** Key entries (of a project or of `admin_keys:`), each located; an unbuilt one's pin to `pins`. */
function buildKeys(
  doc: CheckedDocument,
  list: Obj[],
  problems: ManifestProblem[],
  pins: Refs["pins"],
): DeclaredKey[] {
  const keys: DeclaredKey[] = [];
  for (const k of list) {
    if (!k || typeof k !== "object") continue;
    if (typeof k.name !== "string" || !k.owner?.type) {
      if (typeof k.id === "string" && k.id) pins.push({ id: k.id, location: doc.locate(k) });
      continue;
    }
    // The checked owner has exactly DeclaredOwner's shape (the schema allows nothing else).
    const owner = k.owner as DeclaredOwner;
    checkId(doc, k, "key id", problems);
    checkId(doc, k.owner, "owner id", problems);
    checkShown(doc, k, ["name"], problems);
    checkShown(doc, k.owner, ["name", "email"], problems);
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
