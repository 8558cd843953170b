/**
 * Fleet manifests (issue 24): `orgs:`, each organisation a manifest of its own that inherits the
 * top-level `defaults:` and `policies:` it does not override. Every problem is located.
 */
import type { ManifestProblem } from "../core/errors.ts";
import { escapedId, idProblem } from "../core/ids.ts";
import type { CheckedDocument } from "../yaml/check.ts";
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

/** What one file (or one `orgs:` entry) declares. */
export interface FilePart {
  unmanaged?: { value: UnmanagedLevel; loc: SourceLocation };
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
  /** Where the file declares `orgs:` (an empty list too: it is still a fleet). */
  orgsAt?: SourceLocation;
}

/** One `orgs:` entry while loading: its settings and its own part. */
export interface OrgPart {
  org: Omit<DeclaredOrg, "manifest">;
  part: FilePart;
}

// deno-lint-ignore no-explicit-any
type Obj = Record<string, any>;

/**
 * The `orgs:` entries that have every required field (the schema reports the others), each with
 * its part (`part` builds it as a file's, from the entry).
 */
export function orgParts(
  doc: CheckedDocument,
  list: Obj[],
  problems: ManifestProblem[],
  part: (entry: Obj) => FilePart,
): OrgPart[] {
  const out: OrgPart[] = [];
  for (const o of list) {
    if (
      !o || typeof o !== "object" || ["name", "id", "admin_key_env"].some((f) => o[f] === undefined)
    ) {
      continue;
    }
    const problem = typeof o.id === "string" && o.id !== "" ? idProblem(o.id) : null;
    if (problem) {
      problems.push(
        at(doc.locate(o, "id"), `org id ${escapedId(o.id)} cannot be used: ${problem}`),
      );
    }
    const { name, id, admin_key_env: adminKeyEnv, api_url: apiUrl } = o;
    out.push({
      org: { name, id, adminKeyEnv, ...(apiUrl ? { apiUrl } : {}), location: doc.locate(o) },
      part: part(o),
    });
  }
  return out;
}

const at = (loc: SourceLocation, message: string): ManifestProblem => ({ ...loc, message });
const place = (l: SourceLocation) => `${l.file}:${l.line}:${l.column}`;

/**
 * Sets `manifest.orgs` from the parts' `orgs:`; `mergeParts` merges one org's parts into its
 * manifest. A fleet declares no top-level projects, admin keys or waivers: they belong to an org.
 */
export function fleetManifest(
  manifest: Manifest,
  parts: readonly FilePart[],
  problems: ManifestProblem[],
  mergeParts: (parts: FilePart[]) => Manifest,
): void {
  // The first org, or `orgs:` itself when it lists none (`orgs: []` beside projects is refused).
  const orgsAt = parts.flatMap((p) => p.orgs ?? [])[0]?.org.location ??
    parts.find((p) => p.orgsAt)?.orgsAt;
  for (const p of parts) {
    if (p.flatAt && orgsAt) {
      problems.push(at(
        p.flatAt,
        `top-level projects and admin_keys cannot be used with orgs: (${
          place(orgsAt)
        }); move them under an org`,
      ));
    }
    for (const w of p.waivers) {
      problems.push(at(w.location, "with orgs:, a waiver goes under the org of its project"));
    }
  }
  const orgs: DeclaredOrg[] = [];
  const seen = { names: new Map<string, SourceLocation>(), ids: new Map<string, SourceLocation>() };
  for (const { org, part } of parts.flatMap((p) => p.orgs ?? [])) {
    if (twice(seen.names, org.name, org.location, `org "${org.name}"`, problems)) continue;
    twice(seen.ids, org.id, org.location, `org id "${org.id}"`, problems);
    const inherited: FilePart = {
      ...part,
      unmanaged: part.unmanaged ??
        { value: manifest.unmanaged, loc: org.location },
      policies: new Map([...manifest.policies, ...part.policies]),
    };
    orgs.push({ ...org, manifest: mergeParts([inherited]) });
  }
  projectsInOneOrg(orgs, problems);
  manifest.orgs = orgs;
  manifest.waivers = []; // each refused above: not checked again against no projects
}

/** Records `key` at `loc`; when it was seen before, a located problem and true. */
function twice(
  seen: Map<string, SourceLocation>,
  key: string,
  loc: SourceLocation,
  what: string,
  problems: ManifestProblem[],
): boolean {
  const prev = seen.get(key);
  if (prev) problems.push(at(loc, `${what} is declared twice: here and at ${place(prev)}`));
  else seen.set(key, loc);
  return prev !== undefined;
}

/** A project belongs to one organisation: declared under two orgs is a located problem. */
function projectsInOneOrg(orgs: readonly DeclaredOrg[], problems: ManifestProblem[]): void {
  const owner = new Map<string, string>();
  for (const o of orgs) {
    for (const p of o.manifest.projects) {
      const prev = owner.get(p.id);
      if (prev) {
        problems.push(
          at(
            p.location,
            `project "${p.id}" is declared under org "${prev}" too; a project belongs to one org`,
          ),
        );
      } else owner.set(p.id, o.name);
    }
  }
}

/** The fleet's orgs named by `--org` (all when none is named); an unknown name is the message. */
export function selectOrgs(
  manifest: Manifest,
  names: readonly string[],
): { orgs: DeclaredOrg[]; unknown: string | null } {
  const orgs = manifest.orgs ?? [];
  const unknown = names.find((n) => !orgs.some((o) => o.name === n)) ?? null;
  return { orgs: names.length ? orgs.filter((o) => names.includes(o.name)) : orgs, unknown };
}
