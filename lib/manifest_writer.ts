/** Writes a manifest (YAML, commented, sorted, ids pinned) that describes a live state. Pure. */
import type { WireProject } from "./api/client.ts";
import type { LiveKey } from "./types.ts";
import { VERSION } from "./version.ts";

export interface ImportedProject {
  project: WireProject;
  keys: LiveKey[];
}

/** JSON strings are valid YAML double-quoted scalars: safe for any name (`no`, `0755`, `: #`). */
const q = (s: string) => JSON.stringify(s);

export function manifestFor(projects: readonly ImportedProject[], generatedAt: string): string {
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
        `        id: ${q(k.id)} # pinned: ${k.redactedValue}`,
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
  out.push("", "waivers: []", "");
  return out.join("\n");
}
