/**
 * `import`'s family proposals (SPEC 11.4): service accounts whose names are one stem and a suffix
 * a secrets manager writes, grouped into a family. The schemes, from what each manager does:
 *
 * - `<name>-<Unix time in ms>`: Infisical (`${name}-${Date.now()}`, its OpenAI service account
 *   rotation); 13 digits.
 * - `phase-rs-<id>-<Unix time>`: Phase's default template (`phase-rs-{id}`, `{id}` the rotating
 *   secret's id and the Unix time in seconds); any `<stem>-<10 digits>` is a timestamp too.
 * - `vault-<role>-<8 random characters>`: the Vault OpenAI plugin's default template
 *   (`vault-{{.RoleName}}-{{.RandomSuffix}}`, 8 of `a-z0-9`), dynamic credentials.
 * - `<stem>-<6 to 32 random a-z0-9 with a digit and a letter>` shared by two service accounts or
 *   more: a generated suffix (Doppler does not publish its names; Akeyless takes a template).
 *
 * A timestamp or Vault name is a family on its own; a bare random suffix needs a second account
 * with the same stem and length, so that `billing-worker` alone is never taken for one. The glob
 * proposed is the stem and one `?` per suffix character: it matches that scheme and nothing
 * longer or shorter. Pure; names are parsed by hand, in time linear in their length.
 */
import { globEscape } from "../core/glob.ts";
import type { LiveKey } from "../core/types.ts";

/** How a family's service accounts are named. */
export type NamingScheme = "unix-ms" | "unix-s" | "vault" | "random";

/** A family `import` proposes: its name, glob, guessed manager and the live keys it takes. */
export interface ProposedFamily {
  name: string;
  /** The glob over the service accounts' names. */
  namePattern: string;
  scheme: NamingScheme;
  /** The stem the service accounts share (`billing-`). */
  stem: string;
  suffixLength: number;
  /** Who the scheme says manages it (`infisical`, `phase`, `vault`), or null. */
  managedBy: string | null;
  /** Newest first. */
  keys: LiveKey[];
}

const SEPARATORS = ["-", "_", "."];
/** Unix times a rotation could have today: 2001-09-09 to 2099-12-31. */
const SECONDS = [1_000_000_000, 4_102_444_800] as const;

/** A service account name's stem and suffix scheme, or null when it follows none. */
export function namingScheme(name: string): { stem: string; scheme: NamingScheme } | null {
  const cut = SEPARATORS.reduce((at, s) => Math.max(at, name.lastIndexOf(s)), -1);
  if (cut < 1) return null;
  const stem = name.slice(0, cut + 1);
  const suffix = name.slice(cut + 1);
  if (/^[0-9]{13}$/.test(suffix) && within(Number(suffix) / 1000)) {
    return { stem, scheme: "unix-ms" };
  }
  if (/^[0-9]{10}$/.test(suffix) && within(Number(suffix))) return { stem, scheme: "unix-s" };
  if (/^vault-./.test(stem) && /^[a-z0-9]{8}$/.test(suffix)) return { stem, scheme: "vault" };
  if (/^[a-z0-9]{6,32}$/.test(suffix) && /[0-9]/.test(suffix) && /[a-z]/.test(suffix)) {
    return { stem, scheme: "random" };
  }
  return null;
}

function within(t: number): boolean {
  return t >= SECONDS[0] && t <= SECONDS[1];
}

function managerOf(stem: string, scheme: NamingScheme): string | null {
  if (scheme === "vault") return "vault";
  if (scheme === "unix-ms") return "infisical";
  if (scheme === "unix-s" && stem.startsWith("phase-rs-")) return "phase";
  return null;
}

/**
 * The families `keys` (one project's) fall into, and the keys left for entries. Only keys owned by
 * service accounts are grouped; families come in order of their stem.
 */
export function proposeFamilies(
  keys: readonly LiveKey[],
): { families: ProposedFamily[]; rest: LiveKey[] } {
  const groups = new Map<string, ProposedFamily>();
  for (const k of keys) {
    if (k.owner.type !== "service_account") continue;
    const found = namingScheme(k.owner.name);
    if (!found) continue;
    const suffixLength = Array.from(k.owner.name).length - Array.from(found.stem).length;
    const id = JSON.stringify([found.stem, found.scheme, suffixLength]);
    let g = groups.get(id);
    if (!g) {
      g = { ...found, name: "", namePattern: "", suffixLength, managedBy: null, keys: [] };
      groups.set(id, g);
    }
    g.keys.push(k);
  }
  const families = [...groups.values()].filter((g) =>
    g.scheme !== "random" || new Set(g.keys.map((k) => k.owner.id)).size >= 2
  ).sort((a, b) => (a.stem < b.stem ? -1 : a.stem > b.stem ? 1 : a.suffixLength - b.suffixLength));
  const names = new Set<string>();
  for (const f of families) {
    f.name = uniqueName(f.stem, names);
    f.namePattern = globEscape(f.stem) + "?".repeat(f.suffixLength);
    f.managedBy = managerOf(f.stem, f.scheme);
    f.keys.sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? -1 : 1));
  }
  const taken = new Set(families.flatMap((f) => f.keys));
  return { families, rest: keys.filter((k) => !taken.has(k)) };
}

/** The stem without its trailing separator, made unique in the project with `-2`, `-3`... */
function uniqueName(stem: string, names: Set<string>): string {
  const base = stem.slice(0, -1) || "family";
  let name = base;
  for (let n = 2; names.has(name); n++) name = `${base}-${n}`;
  names.add(name);
  return name;
}
