/**
 * Validators for the official schemas the tests check against, read from tests/fixtures/schemas/
 * (see the README there for their sources): the OpenAI OpenAPI component schemas of the Admin
 * API, and the SARIF 2.1.0 JSON Schema.
 */
import { Ajv2020 } from "ajv/dist/2020.js";
import AjvDraft04Module from "ajv-draft-04";

// The package is CommonJS: its default import is the class itself at run time.
const AjvDraft04 = AjvDraft04Module as unknown as new (o: object) => {
  compile(schema: unknown): ((data: unknown) => boolean) & { errors?: unknown[] | null };
};

const SPEC_ID = "https://openapi.local/openai-admin-openapi.json";

/** Reads a file from tests/fixtures/schemas/ as JSON. */
export function schemaFixture(name: string): unknown {
  return JSON.parse(Deno.readTextFileSync(new URL(`./fixtures/schemas/${name}`, import.meta.url)));
}

let ajv: Ajv2020 | null = null;

function openapiAjv(): Ajv2020 {
  if (!ajv) {
    const spec = schemaFixture("openai-admin-openapi.json") as { components: unknown };
    // OpenAPI 3.1 schemas are JSON Schema 2020-12 plus a few annotations (discriminator,
    // x-stainless-*), which non-strict mode ignores. Formats are not checked.
    ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
    ajv.addSchema({ $id: SPEC_ID, components: spec.components });
  }
  return ajv;
}

/**
 * A validator for one component schema of the OpenAI spec (`Project`, `ProjectApiKey`, ...): it
 * returns the problems found, one line each, or an empty list when `value` matches. Throws when the
 * fixture has no schema of that name.
 */
export function openapiValidator(name: string): (value: unknown) => string[] {
  const v = openapiAjv().getSchema(`${SPEC_ID}#/components/schemas/${name}`);
  if (!v) throw new Error(`no component schema "${name}" in openai-admin-openapi.json`);
  return (value) =>
    v(value) ? [] : (v.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message}`);
}

/** Throws, naming every problem, unless `value` matches the component schema `name`. */
export function assertOpenapi(name: string, value: unknown): void {
  const problems = openapiValidator(name)(value);
  if (problems.length) throw new Error(`not a valid ${name}: ${problems.join("; ")}`);
}

/** A validator for SARIF 2.1.0 documents (the official draft-04 schema). */
export function sarifValidator(): (doc: unknown) => string[] {
  const validate = new AjvDraft04({ strict: false, validateFormats: false, allErrors: true })
    .compile(schemaFixture("sarif-schema-2.1.0.json"));
  return (doc) => validate(doc) ? [] : (validate.errors ?? []).map((e) => JSON.stringify(e));
}

/** A validator for the component schema `name` that throws with the problems when `v` does not fit. */
export function openapi(name: string): (v: unknown) => boolean {
  const problems = openapiValidator(name);
  return (v) => {
    const found = problems(v);
    if (found.length) throw new Error(`${name}: ${found.join("; ")}`);
    return true;
  };
}
