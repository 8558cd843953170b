/**
 * Merging the parts of a manifest written in several files (`-m` repeated, or a directory): one
 * value per setting, each project once; what two files both declare is a located problem.
 */
import { append } from "../core/arrays.ts";
import type { ManifestProblem } from "../core/errors.ts";
import type { Refs } from "./references.ts";
import type {
  DeclaredAdminKeys,
  DeclaredOrg,
  DeclaredProject,
  Manifest,
  PolicySetting,
  SourceLocation,
  UnmanagedLevel,
  Waiver,
} from "../core/types.ts";

const at = (loc: SourceLocation, message: string): ManifestProblem => ({ ...loc, message });

/** What one manifest file declares, before the files are merged. */
export interface FilePart {
  unmanaged?: { value: UnmanagedLevel; loc: SourceLocation };
  /** `unmanaged_projects:` (issue 21). */
  unmanagedProjects?: { value: UnmanagedLevel; loc: SourceLocation };
  /** Where the file writes `projects:`. */
  projectsAt?: SourceLocation;
  adminKeys?: DeclaredAdminKeys;
  policies: Map<string, PolicySetting>;
  /**
   * Entries the schema refused (so not built) that still name a project or pin a key id: their
   * references are checked in the same pass, so fixing the schema problem reveals no new one.
   */
  refs: Refs;
  /** Whether the file has `projects:`, `admin_keys:` or `orgs:` (some file of a manifest must). */
  declaresKeys: boolean;
  /** Each project with its own `unmanaged` setting, if any; the rest follow the merged defaults. */
  projects: { project: DeclaredProject; unmanaged?: UnmanagedLevel }[];
  waivers: Waiver[];
  /** The file's `orgs:` (issue 24), each with its own part; absent when the file has none. */
  orgs?: OrgPart[];
  /** Where the file declares top-level `projects:` or `admin_keys:` (a fleet may not). */
  flatAt?: SourceLocation;
  /** Where the file declares `orgs:` (even an empty list). */
  orgsAt?: SourceLocation;
}

/** One `orgs:` entry while loading: its settings and its own part. */
export interface OrgPart {
  org: Omit<DeclaredOrg, "manifest">;
  part: FilePart;
}

/** The manifest the parts make together; conflicts go to `problems`. */
export function merge(files: string[], parts: FilePart[], problems: ManifestProblem[]): Manifest {
  const manifest: Manifest = {
    files,
    unmanaged: "error",
    policies: new Map(),
    projects: [],
    waivers: [],
    adminKeys: null,
    unmanagedProjects: "error",
  };
  const seen: Seen = { unmanagedAt: null, unmanagedProjectsAt: null, projectAt: new Map() };
  for (const part of parts) mergePart(manifest, part, seen, problems);
  // A project without its own `unmanaged` follows defaults, which may live in another file.
  for (const part of parts) {
    for (const { project, unmanaged } of part.projects) {
      project.unmanaged = unmanaged ?? manifest.unmanaged;
    }
  }
  return manifest;
}

/** Where each merged setting was first written. */
interface Seen {
  unmanagedAt: SourceLocation | null;
  unmanagedProjectsAt: SourceLocation | null;
  projectAt: Map<string, SourceLocation>;
}

/** Adds one file's part to `manifest`; what two files both declare is a located problem. */
function mergePart(
  manifest: Manifest,
  part: FilePart,
  seen: Seen,
  problems: ManifestProblem[],
): void {
  const twice = (where: SourceLocation, what: string) => problems.push(at(where, what));
  mergeUnmanagedProjects(manifest, part, seen, twice);
  manifest.projectsAt ??= part.projectsAt;
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
  append(manifest.waivers, part.waivers);
  if (part.adminKeys) mergeAdminKeys(manifest, part.adminKeys, problems);
}

/** `unmanaged_projects:` may be written in several files, with one value. */
function mergeUnmanagedProjects(
  manifest: Manifest,
  part: FilePart,
  seen: Seen,
  twice: (where: SourceLocation, what: string) => void,
): void {
  const u = part.unmanagedProjects;
  if (!u) return;
  const prev = seen.unmanagedProjectsAt;
  if (prev && u.value !== manifest.unmanagedProjects) {
    twice(
      u.loc,
      `unmanaged_projects is already set to "${manifest.unmanagedProjects}" at ${place(prev)}`,
    );
  }
  manifest.unmanagedProjects = u.value;
  seen.unmanagedProjectsAt = u.loc;
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

/** `file:line:column`. */
export function place(loc: SourceLocation): string {
  return `${loc.file}:${loc.line}:${loc.column}`;
}
