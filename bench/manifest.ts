/** The bench's manifests: `projects` projects (proj_00000...) of `keys` keys owned by "bot". */
export const id = (p: number) => `proj_${String(p).padStart(5, "0")}`;

/** Matches the fake state the bench generates (keys key_<p>_<n> named key-<n>): no drift. */
export function manifest(projects: number, keys: number): string {
  const lines = ["version: 1", "projects:"];
  const width = String(keys).length;
  for (let p = 0; p < projects; p++) {
    lines.push(`  - id: ${id(p)}`, "    keys:");
    for (let k = 1; k <= keys; k++) {
      const n = String(k).padStart(width, "0");
      lines.push(
        `      - { name: key-${n}, id: key_${
          id(p).slice(5)
        }_${n}, owner: { type: service_account, name: bot } }`,
      );
    }
  }
  return lines.join("\n") + "\n";
}
