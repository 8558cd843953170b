/**
 * The schema fixtures the suite validates against (tests/fixtures/schemas/): they hold what the
 * tests name, and the validators built on them can fail. That the fixtures match their sources is
 * checked by `extract.ts --check` (the suite never reads outside the checkout).
 */
import { deepStrictEqual as assertEquals, ok, throws } from "node:assert/strict";
import { ROOTS } from "./fixtures/schemas/extract.ts";
import {
  openapiValidator,
  responseValidator,
  sarifValidator,
  schemaFixture,
  specOperationFor,
  specOperations,
} from "./_openapi.ts";

Deno.test("openapiValidator() accepts the spec's own ProjectApiKey example and rejects broken ones", () => {
  const schemas = (schemaFixture("openai-admin-openapi.json") as {
    components: { schemas: Record<string, { "x-oaiMeta": { example: string } }> };
  }).components.schemas;
  const key = JSON.parse(schemas.ProjectApiKey["x-oaiMeta"].example);
  const validate = openapiValidator("ProjectApiKey");
  assertEquals(validate(key), []);
  const { owner: _, ...ownerless } = key;
  ok(validate(ownerless).some((p) => p.includes("owner")), "a key without owner passed");
  ok(validate({ ...key, object: "organization.project" }).length > 0, "a wrong object passed");
  ok(validate({ ...key, created_at: "yesterday" }).length > 0, "a string created_at passed");
  // The $ref to the owner's user schema is followed: a user without an email fails.
  const { email: __, ...noEmail } = key.owner.user;
  ok(
    validate({ ...key, owner: { type: "user", user: noEmail } }).length > 0,
    "a user owner without email passed",
  );
  ok(openapiValidator("ErrorResponse")({ error: { message: "x" } }).length > 0);
});

Deno.test("the OpenAPI fixture holds every schema the tests name, and every $ref in it resolves", () => {
  const doc = schemaFixture("openai-admin-openapi.json") as {
    components: { schemas: Record<string, unknown> };
  };
  const names = Object.keys(doc.components.schemas);
  for (const n of ROOTS) ok(names.includes(n), n);
  const refs = JSON.stringify(doc).match(/"\$ref":"[^"]*"/g) ?? [];
  ok(refs.length > 0);
  for (const r of refs) {
    ok(names.includes(r.slice('"$ref":"#/components/schemas/'.length, -1)), r);
  }
  for (const n of names) openapiValidator(n); // each one compiles
});

Deno.test("sarifValidator() rejects a document without runs and one with a bad level", () => {
  const validate = sarifValidator();
  const good = {
    version: "2.1.0",
    runs: [{ tool: { driver: { name: "x" } }, results: [{ message: { text: "m" } }] }],
  };
  assertEquals(validate(good), []);
  ok(validate({ version: "2.1.0" }).length > 0);
  const bad = structuredClone(good) as { runs: { results: { level?: string }[] }[] };
  bad.runs[0].results[0].level = "fatal";
  ok(validate(bad).length > 0);
});

Deno.test("the spec's operations, parsed from the verbatim YAML copy, are the schema fixture's Admin API operations", () => {
  const fromYaml = Object.fromEntries(
    Object.entries(specOperations()).filter(([p]) => p.startsWith("/organization/")),
  );
  const fixture = (schemaFixture("openai-admin-openapi.json") as {
    operations: Record<string, string[]>;
  }).operations;
  assertEquals(fromYaml, fixture);
});

Deno.test("specOperationFor() fills templates with ids, prefers literal segments, and finds no operation the spec lacks", () => {
  assertEquals(specOperationFor("DELETE", "/organization/projects/p/api_keys/k"), {
    template: "/organization/projects/{project_id}/api_keys/{api_key_id}",
    method: "delete",
  });
  assertEquals(
    specOperationFor("POST", "/organization/projects/p/archive")?.template,
    "/organization/projects/{project_id}/archive",
  );
  assertEquals(specOperationFor("POST", "/organization/projects/p/api_keys/k"), null);
  assertEquals(specOperationFor("DELETE", "/organization/projects/p/api_keys/"), null);
  assertEquals(specOperationFor("GET", "/organization/nothing"), null);
});

Deno.test("responseValidator() checks an answer against the operation's documented response, inline or a component, and can fail", () => {
  const adminDelete = responseValidator("delete", "/organization/admin_api_keys/{key_id}", 200);
  const good = { id: "key_a", object: "organization.admin_api_key.deleted", deleted: true };
  assertEquals(adminDelete(good), []);
  ok(adminDelete({ ...good, object: "organization.project.api_key.deleted" }).length > 0);
  ok(adminDelete({ id: "key_a", deleted: true }).length > 0);
  const keyDelete = responseValidator(
    "delete",
    "/organization/projects/{project_id}/api_keys/{api_key_id}",
    400,
  );
  assertEquals(keyDelete({ error: { message: "m", type: "t", param: null, code: null } }), []);
  ok(keyDelete({ message: "m" }).length > 0);
  throws(() => responseValidator("delete", "/organization/admin_api_keys/{key_id}", 400));
});
