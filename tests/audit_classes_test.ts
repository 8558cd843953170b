/**
 * `--snapshot` reads again what audit events name (issue 21), so every event type the official
 * spec lists must be classified by what it can change: here against the spec's own
 * `AuditLogEventType` enum (the copy in tests/fixtures/schemas/), not against our fake's list.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { EVENT_CLASSES, eventClass } from "../lib/api/audit_classes.ts";
import { AUDIT_EVENT_TYPES } from "../lib/fake/audit_event_types.ts";

const SPEC: { components: { schemas: Record<string, { enum?: string[] }> } } = JSON.parse(
  Deno.readTextFileSync(new URL("./fixtures/schemas/openai-admin-openapi.json", import.meta.url)),
);
const SPEC_TYPES = SPEC.components.schemas.AuditLogEventType.enum!;

Deno.test("every audit event type of the spec's AuditLogEventType is classified, and nothing else is", () => {
  const classified = [...EVENT_CLASSES.keys()];
  assertEquals(SPEC_TYPES.filter((t) => !EVENT_CLASSES.has(t)), [], "types left unclassified");
  assertEquals(classified.filter((t) => !SPEC_TYPES.includes(t)), [], "types the spec lacks");
  assertEquals(classified.length, new Set(classified).size, "a type classified twice");
  // The fake serves the same list (its 400 for an unknown type depends on it).
  assertEquals([...AUDIT_EVENT_TYPES].sort(), [...SPEC_TYPES].sort());
});

Deno.test("key and project events name what they change; people, roles, service accounts and admin keys read everything", () => {
  const of = (...types: string[]) => types.map(eventClass);
  assertEquals(of("api_key.created", "api_key.updated", "api_key.deleted"), ["key", "key", "key"]);
  assertEquals(
    of("project.created", "project.updated", "project.archived", "project.deleted"),
    ["project", "project", "project", "project"],
  );
  assertEquals(
    of(
      "user.added",
      "user.updated",
      "user.deleted",
      "group.updated",
      "role.assignment.created",
      "service_account.created",
      "service_account.deleted",
      "tenant.admin_api_key.created",
      "tenant.project_api_key.created",
      "tenant.user.removed",
      "invite.accepted",
      "scim.enabled",
    ),
    Array(12).fill("all"),
  );
  assertEquals(of("login.succeeded", "logout.failed", "ip_allowlist.updated"), [
    "none",
    "none",
    "none",
  ]);
});

Deno.test("an event type no spec lists (one the API added later) reads every project", () => {
  assertEquals(eventClass("api_key.rotated"), "all");
  assertEquals(eventClass(""), "all");
});
