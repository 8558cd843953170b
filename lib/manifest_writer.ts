/** Writes a manifest (YAML, commented, sorted, ids pinned) that describes a live state. Pure. */
import type { WireProject } from "./api/client.ts";
import type { LiveAdminKey, LiveKey } from "./types.ts";
import { VERSION } from "./version.ts";
import { textSafe } from "./render/inert.ts";

/** A live project and its keys, as `import` writes them to a manifest */
export interface ImportedProject {
  project: WireProject;
  keys: LiveKey[];
}

/** JSON strings are valid YAML double-quoted scalars: safe for any name (`no`, `0755`, `: #`). */
const q = (s: string) => JSON.stringify(s);

/**
 * The manifest text. `adminKeys` (issue 14): the organisation's admin keys, written as an
 * `admin_keys:` section; null leaves the section out (admin keys are then not checked).
 */
export function manifestFor(
  projects: readonly ImportedProject[],
  generatedAt: string,
  adminKeys: readonly LiveAdminKey[] | null = null,
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
    "# Built-in credential-hygiene policies run at their defaults; see `keydrift policies`.",
    "policies: {}",
    "",
    "projects:",
  ];
  const sorted = [...projects].sort((a, b) => (a.project.id < b.project.id ? -1 : 1));
  if (!sorted.length) out[out.length - 1] = "projects: []";
  for (const { project, keys } of sorted) {
    out.push(`  - id: ${q(project.id)}`);
    if (project.name !== null) out.push(`    name: ${q(project.name)}`);
    if (!keys.length) {
      out.push("    keys: [] # the project has no keys");
      continue;
    }
    out.push("    keys:");
    const ordered = [...keys].sort((
      a,
      b,
    ) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : 1));
    for (const k of ordered) {
      out.push(
        `      - name: ${q(k.name)}`,
        `        id: ${q(k.id)} # pinned: ${textSafe(k.redactedValue)}`,
        "        owner:",
      );
      out.push(`          type: ${k.owner.type}`, `          name: ${q(k.owner.name)}`);
      if (k.owner.type === "user" && k.owner.email) {
        out.push(`          email: ${q(k.owner.email)}`);
      }
      if (k.ownerProjectAccess === "inactive") {
        out[out.length - 1] += " # owner no longer has project access";
      }
    }
  }
  if (adminKeys) out.push("", ...adminSection(adminKeys));
  out.push("", "waivers: []", "");
  return out.join("\n");
}

/** The `admin_keys:` section: every admin key, sorted by name then id, ids pinned. */
function adminSection(keys: readonly LiveAdminKey[]): string[] {
  const out = [
    "# Organisation admin API keys (sk-admin-…): every one that exists, so an unexpected one is drift.",
    "admin_keys_unmanaged: error",
  ];
  if (!keys.length) return [...out, "admin_keys: [] # the organisation has no admin keys"];
  out.push("admin_keys:");
  const ordered = [...keys].sort((a, b) => {
    const an = a.name ?? "", bn = b.name ?? "";
    return an < bn ? -1 : an > bn ? 1 : a.id < b.id ? -1 : 1;
  });
  for (const k of ordered) {
    // An admin key may have no name; the entry then needs one: its id (pinned, so it matches).
    out.push(
      `  - name: ${q(k.name ?? k.id)}${k.name === null ? " # the key has no name" : ""}`,
      `    id: ${q(k.id)} # pinned: ${textSafe(k.redactedValue)}`,
      "    owner:",
      `      type: ${k.owner.type}`,
      `      name: ${q(k.owner.name)}`,
    );
  }
  return out;
}
