/**
 * The JSON report's fleet fields (issue 24, format 1.6): `org` on items, errors and baseline
 * entries, and the top-level `orgs` and `manifest_sha256`, present only for a manifest with `orgs:`.
 */
import { Type } from "@sinclair/typebox";
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

/** The top-level fleet fields. */
export const FLEET_FIELDS = {
  orgs: Type.Optional(Type.Array(OrgOutcomeSchema, {
    description:
      "every org the manifest declares (orgs:), in its order; absent without orgs: (1.6)",
  })),
  manifest_sha256: Type.Optional(Type.String({
    pattern: "^[0-9a-f]{64}$",
    description: "SHA-256 of the manifest files' paths and texts: keydrift merge combines only " +
      "reports that share it; absent without orgs: (1.6)",
  })),
};
