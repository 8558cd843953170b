/**
 * The JSON report's fleet fields (issue 24, format 1.6): `org` on items, errors and baseline
 * entries, and the top-level `orgs` and `manifest_sha256`, present only for a manifest with `orgs:`.
 */
import { type TSchema, Type } from "@sinclair/typebox";
import { closed, nullable, text } from "./schema_kit.ts";

/** `org` on drift items, findings, errors and baseline entries. */
export const ORG_FIELD = {
  org: Type.Optional(
    text("the org (manifest orgs: name) the item belongs to; absent without orgs: (1.6)"),
  ),
};

/** One org a fleet manifest declares, and whether this report holds its items. */
export const OrgOutcomeSchema = Type.Object({
  name: text("the org's name in the manifest"),
  id: text("the org's id (org-…)"),
  checked: Type.Boolean({
    description: "whether this report holds the org's items (false: another part of a merge " +
      "holds them, or --org left it out; nothing is claimed about it here)",
  }),
  exit_code: nullable(
    Type.Union([Type.Literal(0), Type.Literal(1), Type.Literal(2)]),
    "the org's own verdict (0 in sync, 1 error, 2 drift), or null when not checked",
  ),
}, { ...closed, title: "org", description: "one org of the fleet (1.6)" });

/** A declared project and its entries, as checked (JUnit shows one test per entry). */
const declaredSchema = <L extends TSchema>(LocationSchema: L) =>
  Type.Object({
    org: text("the org the project belongs to"),
    project_id: nullable(text("the project"), "the project, or null for the org's admin keys"),
    location: LocationSchema,
    keys: Type.Array(
      Type.Object({
        name: text("the entry's name"),
        id: nullable(text("the pinned key id"), "the pinned key id, or null"),
        location: LocationSchema,
      }, closed),
      { description: "the project's entries" },
    ),
  }, { ...closed, title: "declared project", description: "a project the run checked (1.6)" });

/** The top-level fleet fields; `location` is the report's location schema. */
export const fleetFields = <L extends TSchema>(location: L) => ({
  orgs: Type.Optional(Type.Array(OrgOutcomeSchema, {
    description:
      "every org the manifest declares (orgs:), in its order; absent without orgs: (1.6)",
  })),
  declared: Type.Optional(Type.Array(declaredSchema(location), {
    description: "the projects and entries the checked orgs declare, so that keydrift merge " +
      "can write every format (JUnit lists each entry); absent without orgs: (1.6)",
  })),
  manifest_files: Type.Optional(Type.Array(text("a manifest file, as given to keydrift"), {
    description: "the manifest files the run read; absent without orgs: (1.6)",
  })),
  manifest_sha256: Type.Optional(Type.String({
    pattern: "^[0-9a-f]{64}$",
    description: "SHA-256 of the manifest files' paths and texts: keydrift merge combines only " +
      "reports that share it; absent without orgs: (1.6)",
  })),
});
