/**
 * The key families (SPEC 11.4) in the JSON report's schema (format 1.6): one object per family of
 * the projects read, with its members and limits. `report/schema.ts`, where the rules for changing
 * the schema are, holds the rest.
 */
import { type TSchema, Type } from "@sinclair/typebox";
import { closed, count, maybeText, nullable, stringEnum, text } from "./schema_kit.ts";

const NAMES = ["user", "service_account"] as const;

/** One live key of a family; `owner` is the report's owner schema. */
export function familyMemberSchema<O extends TSchema>(owner: O) {
  return Type.Object({
    id: text("the key's id"),
    name: maybeText("the key's name, or null when it has none"),
    owner,
    created_at: Type.Integer({ minimum: 0, description: "when the key was created, Unix seconds" }),
    age_days: count("whole days since the key was created, at the run's clock"),
  }, { ...closed, title: "family member", description: "one live key a family manages" });
}

/**
 * A key family as the run found it; `owner` and `location` are the report's owner and location
 * schemas (passed in: `report/schema.ts` defines them and imports this module).
 */
export function familySchema<O extends TSchema, L extends TSchema>(owner: O, location: L) {
  return Type.Object({
    project_id: text("the project the family is declared in"),
    name: text("the family's name, as declared"),
    managed_by: maybeText("who creates and rotates its keys, as declared, or null"),
    owner: Type.Object({
      type: stringEnum(NAMES, "the owner type its keys have"),
      name_pattern: text("the glob over the owner's name"),
    }, { ...closed, description: "the owner every key of the family has" }),
    key_name_pattern: maybeText("the glob over the key's name, or null for any name"),
    live: count("its live keys (members)"),
    max_live: nullable(
      Type.Integer({ minimum: 1, description: "the most live keys it allows" }),
      "the most live keys it allows (family-over-capacity), or null for no limit",
    ),
    rotate_every_days: nullable(
      Type.Integer({ minimum: 1, description: "days" }),
      "how often a new key is due, in days (family-rotation-stalled), or null",
    ),
    grace_days: count("days past rotate_every_days before a late rotation is a finding"),
    max_ttl: maybeText("dynamic credentials: the longest a key may live, as declared, or null"),
    max_ttl_seconds: nullable(
      Type.Integer({ minimum: 1, description: "seconds" }),
      "max_ttl in seconds, or null",
    ),
    newest_created_at: nullable(
      Type.Integer({ minimum: 0, description: "Unix seconds" }),
      "when its newest key was created, Unix seconds, or null when it has none",
    ),
    newest_age_days: nullable(
      count("whole days"),
      "whole days since its newest key was created, or null when it has none",
    ),
    members: Type.Array(familyMemberSchema(owner), { description: "its live keys, newest first" }),
    location,
  }, { ...closed, title: "family", description: "a key family and the live keys it manages" });
}
