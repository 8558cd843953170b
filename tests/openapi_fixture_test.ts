/**
 * The schema fixtures the suite validates against (tests/fixtures/schemas/): they hold what the
 * tests name, and the validators built on them can fail. That the fixtures match their sources is
 * checked by `extract.ts --check` (the suite never reads outside the checkout).
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { ROOTS } from "./fixtures/schemas/extract.ts";
import { openapiValidator, sarifValidator, schemaFixture } from "./_openapi.ts";

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
