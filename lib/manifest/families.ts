/**
 * A project's `families:` (SPEC 11.4): their schema and how a checked list becomes located
 * {@link DeclaredFamily} values. Globs and durations are checked here, each problem located at its
 * field. Pure.
 */
import type { JsonSchema } from "../yaml/json_schema.ts";
import type { CheckedDocument } from "../yaml/check.ts";
import type { ManifestProblem } from "../core/errors.ts";
import type { DeclaredFamily, OwnerType } from "../core/types.ts";
import { globProblem } from "../core/glob.ts";
import { DURATION_PATTERN, parseDuration } from "./duration.ts";
import { checkShown } from "./values.ts";

// deno-lint-ignore no-explicit-any
type Obj = Record<string, any>;

const GLOB =
  "A glob over the whole name: * is any run of characters, ? one character, \\ makes the next one literal.";

const str = (description: string, extra: Partial<JsonSchema> = {}): JsonSchema => ({
  type: "string",
  description,
  ...extra,
});

/** A family's `owner:`: the type its keys' owner has and a glob over the owner's name. */
function familyOwnerSchema(): JsonSchema {
  return {
    title: "family owner",
    description: "The owner every key of the family has: its type and a glob over its name.",
    type: "object",
    additionalProperties: false,
    required: ["type", "name_pattern"],
    properties: {
      type: str("Owner type; a key of another owner type is never the family's.", {
        enum: ["user", "service_account"],
      }),
      name_pattern: str(`The owner's name. ${GLOB}`, { minLength: 1 }),
    },
  };
}

/** The schema of one `families:` entry. */
export function familySchema(): JsonSchema {
  const days = (description: string, minimum: number): JsonSchema => ({
    type: "integer",
    description,
    minimum,
  });
  return {
    title: "family",
    description:
      "Keys a secrets manager creates and rotates (Doppler, Infisical, Phase, Vault, Akeyless): the live keys whose owner (and name) match are managed by the family, neither unexpected nor missing.",
    type: "object",
    additionalProperties: false,
    required: ["name", "owner"],
    properties: {
      name: str("The family's name in reports; unique in its project.", { minLength: 1 }),
      owner: familyOwnerSchema(),
      key_name_pattern: str(`The key's name (default: any). ${GLOB}`, { minLength: 1 }),
      managed_by: str("Who creates and rotates the keys (free text, shown in reports).", {
        minLength: 1,
      }),
      max_live: days("At most this many live keys (family-over-capacity).", 1),
      rotate_every_days: days(
        "A new key is due this often, in days (family-rotation-stalled).",
        1,
      ),
      grace_days: days("Days past rotate_every_days before a late rotation is a finding.", 0),
      max_ttl: str(
        "Dynamic credentials: each key lives at most this long (orphaned-dynamic-credential), as whole days, hours, minutes or seconds, largest unit first.",
        { pattern: DURATION_PATTERN, minLength: 2, examples: ["24h", "7d", "1h30m"] },
      ),
    },
  };
}

/** A located problem at `obj`'s `field`. */
function at(doc: CheckedDocument, obj: object, field: string, message: string): ManifestProblem {
  return { ...doc.locate(obj, field), message };
}

/**
 * The families of one project's checked `families:` list. Entries the schema already refused
 * (no name or owner) are left out; bad globs and durations, a name used twice and `grace_days`
 * without `rotate_every_days` are located problems.
 */
export function buildFamilies(
  doc: CheckedDocument,
  list: readonly Obj[],
  problems: ManifestProblem[],
): DeclaredFamily[] {
  const out: DeclaredFamily[] = [];
  const seen = new Map<string, DeclaredFamily>();
  for (const f of list) {
    if (!f || typeof f !== "object" || typeof f.name !== "string") continue;
    if (!f.owner || typeof f.owner.type !== "string" || typeof f.owner.name_pattern !== "string") {
      continue;
    }
    // Shown in every report and named by waivers: none may be one the scrubbing rewrites.
    checkShown(doc, f, ["name", "managed_by", "key_name_pattern"], problems);
    checkShown(doc, f.owner, ["name_pattern"], problems);
    const family = buildFamily(doc, f, problems);
    const prev = seen.get(family.name);
    if (prev) {
      const first = `${prev.location.file}:${prev.location.line}:${prev.location.column}`;
      problems.push(
        at(doc, f, "name", `family "${family.name}" is declared twice: here and at ${first}`),
      );
      continue;
    }
    seen.set(family.name, family);
    out.push(family);
  }
  return out;
}

function buildFamily(doc: CheckedDocument, f: Obj, problems: ManifestProblem[]): DeclaredFamily {
  const glob = (obj: Obj, field: string) => {
    const value = obj[field];
    if (typeof value !== "string") return null;
    const problem = globProblem(value);
    if (problem) {
      problems.push(at(doc, obj, field, `${field} "${value}" is not a glob: ${problem}`));
    }
    return value;
  };
  let maxTtl: DeclaredFamily["maxTtl"] = null;
  if (f.max_ttl !== undefined) {
    const d = parseDuration(f.max_ttl);
    if ("problem" in d) problems.push(at(doc, f, "max_ttl", `max_ttl ${d.problem}`));
    else maxTtl = { text: f.max_ttl, seconds: d.seconds };
  }
  if (f.grace_days !== undefined && f.rotate_every_days === undefined) {
    problems.push(
      at(
        doc,
        f,
        "grace_days",
        "grace_days applies only with rotate_every_days: add rotate_every_days or remove grace_days",
      ),
    );
  }
  return {
    name: f.name,
    owner: { type: f.owner.type as OwnerType, namePattern: glob(f.owner, "name_pattern") ?? "" },
    keyNamePattern: glob(f, "key_name_pattern"),
    managedBy: typeof f.managed_by === "string" ? f.managed_by : null,
    maxLive: Number.isInteger(f.max_live) ? f.max_live : null,
    rotateEveryDays: Number.isInteger(f.rotate_every_days) ? f.rotate_every_days : null,
    graceDays: Number.isInteger(f.grace_days) ? f.grace_days : 0,
    maxTtl,
    location: doc.locate(f),
  };
}
