/**
 * The `families:` block `import` writes for one project (SPEC 11.4): each proposed family with a
 * comment naming the scheme it was recognised by and what to review. The limits it writes hold for
 * the live state (an imported manifest is in sync); the ones it cannot know are comments. Pure.
 */
import type { ProposedFamily } from "./propose_families.ts";
import { comment, yamlString as q } from "./yaml_string.ts";

/** What each scheme is, in a comment (`<stem>` is the family's stem). */
const SCHEME: Record<ProposedFamily["scheme"], (f: ProposedFamily) => string> = {
  "unix-ms": (f) =>
    `${f.stem}<Unix time in ms>: Infisical names rotated service accounts <name>-<Date.now()>`,
  "unix-s": (f) =>
    f.managedBy === "phase"
      ? `${f.stem}<Unix time>: Phase's default template, phase-rs-<secret id>-<Unix time>`
      : `${f.stem}<Unix time>: a rotation's timestamp`,
  vault: (f) =>
    `${f.stem}<${f.suffixLength} random characters>: the Vault OpenAI plugin's default vault-<role>-<random>`,
  random: (f) => `${f.stem}<${f.suffixLength} random characters>, shared by several accounts`,
};

/** One family's lines, indented under its project; `[]` for none. */
export function familySection(f: ProposedFamily, index: number): string[] {
  const head = index === 0
    ? ["    families: # proposed from the service accounts' names: review"]
    : [];
  const out = [
    ...head,
    `      - name: ${q(f.name)} # ${f.keys.length} live key${f.keys.length === 1 ? "" : "s"}`,
    `        # ${comment(SCHEME[f.scheme](f))}`,
    `        owner: { type: service_account, name_pattern: ${q(f.namePattern)} }`,
  ];
  if (f.managedBy) out.push(`        managed_by: ${q(f.managedBy)} # guessed from the names`);
  if (f.scheme === "vault") {
    out.push(
      "        # max_ttl: 24h # the plugin's default max_ttl: write your role's to find orphaned credentials",
    );
    return out;
  }
  const live = f.keys.length;
  out.push(
    `        max_live: ${Math.max(2, live)}${
      live > 2
        ? ` # ${live} live at import; a rotation keeps 2 (the active key and the previous)`
        : ""
    }`,
    "        # rotate_every_days: 30 # the manager's rotation interval, to find a stalled rotation",
  );
  return out;
}
