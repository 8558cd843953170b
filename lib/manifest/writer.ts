/**
 * Writes a manifest (YAML, commented, sorted, ids pinned) that describes a live state. Pure. Every
 * string is a YAML double-quoted scalar that `validate` accepts and reads back exactly; a live
 * value no manifest can declare (an empty key name) is refused with the key named.
 */
import { append } from "../core/arrays.ts";
import type { LiveAdminKey, LiveKey, WireProject } from "../core/types.ts";
import { idProblem } from "../core/ids.ts";
import { shapedLikeCredential } from "../secrets/redact.ts";
import { VERSION } from "../core/version.ts";
import { comment, yamlString } from "./yaml_string.ts";
import { familySection } from "./writer_families.ts";
import { proposeFamilies } from "./propose_families.ts";

/** A live project and its keys, as `import` writes them to a manifest */
export interface ImportedProject {
  project: WireProject;
  keys: LiveKey[];
}

export { yamlString } from "./yaml_string.ts";

const q = yamlString;

/** A live value a manifest cannot declare: `import` refuses it, naming the key. */
export class ImportRefused extends Error {
  override name = "ImportRefused";
}

/**
 * Refuses a value no manifest entry can hold: an empty name or owner name (`fields`; `optional`
 * ones may be empty), an id that cannot stand in a path (`idProblem`: empty, `/`, a control
 * character, a dot segment, a lone surrogate), or any of them shaped like a credential, which the
 * written file would hold redacted (and `validate` refuses). The reader already fails on such
 * values; this keeps the writer honest on its own.
 */
function refuseUnwritable(
  what: string,
  fields: [string, string | null | undefined][],
  fix: string,
  optional: [string, string | null | undefined][] = [],
) {
  for (const [field, value] of [...fields, ...optional]) {
    if (value === null || value === undefined) continue;
    const why = value === "" && fields.some(([f]) => f === field)
      ? "is empty, and a manifest entry needs one"
      : field.endsWith("id") && idProblem(value) !== null
      ? `cannot stand in a manifest: ${idProblem(value)}`
      : shapedLikeCredential(value)
      ? "is shaped like a credential, which the written manifest would hold redacted"
      : null;
    if (why !== null) throw new ImportRefused(`cannot import ${what}: its ${field} ${why}; ${fix}`);
  }
}

/**
 * The manifest text. `adminKeys` (issue 14): the organisation's admin keys, written as an
 * `admin_keys:` section; null leaves the section out (admin keys are then not checked).
 */
export function manifestFor(
  projects: readonly ImportedProject[],
  generatedAt: string,
  adminKeys: readonly LiveAdminKey[] | null = null,
  opts: { families: boolean } = { families: true },
): string {
  const out = [
    "# yaml-language-server: $schema=./keydrift.schema.json",
    `# Written by keydrift ${VERSION} import on ${generatedAt}: the live state at that moment.`,
    "# Review it: every live key is declared here, so unwanted keys now look wanted.",
    "version: 1",
    "",
    "defaults:",
    "  unmanaged: error # a live key that no entry declares is drift",
    "",
    "unmanaged_projects: error # a live project that no manifest declares is drift",
    "",
    "# Built-in credential-hygiene policies run at their defaults; see `keydrift policies`.",
    "policies: {}",
    "",
    "projects:",
  ];
  const sorted = [...projects].sort((a, b) => (a.project.id < b.project.id ? -1 : 1));
  if (!sorted.length) out[out.length - 1] = "projects: []";
  for (const p of sorted) append(out, projectSection(p, opts.families));
  if (adminKeys) out.push("", ...adminSection(adminKeys));
  out.push("", "waivers: []", "");
  return out.join("\n");
}

/**
 * One project's entry: its id and name, every key sorted by name then id, ids pinned, except
 * those a proposed family takes (`families`), written as families after the keys.
 */
function projectSection({ project, keys: all }: ImportedProject, families: boolean): string[] {
  const skip = "leave the project out with --project";
  refuseUnwritable(`project ${q(project.id)}`, [["id", project.id]], skip, [
    ["name", project.name],
  ]);
  // A family's keys are not written one by one: only the others need a name an entry can hold.
  const proposed = families ? proposeFamilies(all) : { families: [], rest: all };
  const keys = proposed.rest;
  for (const k of keys) {
    refuseUnwritable(
      `key ${q(k.id)} of project ${q(project.id)}`,
      [
        ["name", k.name],
        ["id", k.id],
        ["owner's name", k.owner.name],
      ],
      `name it in the dashboard, or ${skip}`,
      [["owner's email", k.owner.email]],
    );
  }
  const out = [`  - id: ${q(project.id)}`];
  if (project.name !== null) out.push(`    name: ${q(project.name)}`);
  if (project.status === "archived") out.push("    status: archived");
  const fams = proposed.families.flatMap(familySection);
  if (!keys.length) {
    const why = fams.length ? "every key belongs to a family below" : "the project has no keys";
    return [...out, `    keys: [] # ${why}`, ...fams];
  }
  out.push("    keys:");
  // Every key has a name by now (refused above otherwise).
  const ordered = keys.filter((k): k is LiveKey & { name: string } => k.name !== null)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : 1));
  for (const k of ordered) append(out, keyEntry(k));
  return [...out, ...fams];
}

/** One key's entry under `keys:`, its id pinned. */
function keyEntry(k: LiveKey & { name: string }): string[] {
  const out = [
    `      - name: ${q(k.name)}`,
    `        id: ${q(k.id)} # pinned: ${comment(k.redactedValue)}`,
    "        owner:",
    `          type: ${k.owner.type}`,
    `          name: ${q(k.owner.name)}`,
  ];
  if (k.owner.type === "user" && k.owner.email) out.push(`          email: ${q(k.owner.email)}`);
  if (k.ownerProjectAccess === "inactive") {
    out[out.length - 1] += " # owner no longer has project access";
  }
  return out;
}

/** The `admin_keys:` section: every admin key, sorted by name then id, ids pinned. */
function adminSection(keys: readonly LiveAdminKey[]): string[] {
  const out = [
    "# Organisation admin API keys (sk-admin-…): every one that exists, so an unexpected one is drift.",
    "admin_keys_unmanaged: error",
  ];
  if (!keys.length) return [...out, "admin_keys: [] # the organisation has no admin keys"];
  out.push("admin_keys:");
  for (const k of keys) {
    refuseUnwritable(`admin key ${q(k.id)}`, [
      ["name", k.name],
      ["id", k.id],
      ["owner's name", k.owner.name],
    ], "name it in the dashboard, or leave admin keys out with --no-admin-keys");
  }
  const ordered = [...keys].sort((a, b) => {
    const an = a.name ?? "", bn = b.name ?? "";
    return an < bn ? -1 : an > bn ? 1 : a.id < b.id ? -1 : 1;
  });
  for (const k of ordered) {
    // An admin key may have no name; the entry then needs one: its id (pinned, so it matches).
    out.push(
      `  - name: ${q(k.name ?? k.id)}${k.name === null ? " # the key has no name" : ""}`,
      `    id: ${q(k.id)} # pinned: ${comment(k.redactedValue)}`,
      "    owner:",
      `      type: ${k.owner.type}`,
      `      name: ${q(k.owner.name)}`,
    );
  }
  return out;
}
