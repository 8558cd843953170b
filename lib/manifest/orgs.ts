/**
 * Fleet manifests (issue 24): `orgs:`, each organisation a manifest of its own that inherits the
 * top-level `defaults:` and `policies:` it does not override. Every problem is located.
 */
import type { ManifestProblem } from "../core/errors.ts";
import { escapedId, idProblem } from "../core/ids.ts";
import type { CheckedDocument } from "../yaml/check.ts";
import type { FilePart, OrgPart } from "./merge.ts";
import { checkShown } from "./values.ts";
import type { DeclaredOrg, Manifest, SourceLocation } from "../core/types.ts";

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
    // Every report names the org: a name or id that scrubbing would rewrite could not be shown.
    checkShown(doc, o, ["name", "id"], problems);
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
  const orgsAt = parts.find((p) => p.orgsAt)?.orgsAt;
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
      unmanagedProjects: part.unmanagedProjects ??
        { value: manifest.unmanagedProjects ?? "error", loc: org.location },
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
