/**
 * Validators for the official schemas the tests check against, read from tests/fixtures/schemas/
 * (see the README there for their sources): the OpenAI OpenAPI component schemas of the Admin
 * API, and the SARIF 2.1.0 JSON Schema.
 */
import { Ajv2020 } from "ajv/dist/2020.js";
import AjvDraft04Module from "ajv-draft-04";
import { parse as parseYaml } from "yaml";

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

/** The HTTP methods an OpenAPI path item may hold. */
const HTTP_METHODS = ["get", "put", "post", "delete", "patch", "head", "options", "trace"];

// deno-lint-ignore no-explicit-any
type PathItems = Record<string, Record<string, any>>;
let paths: PathItems | null = null;

/**
 * The `paths` of the official spec, parsed by the YAML parser from the verbatim copy
 * tests/fixtures/schemas/openai-openapi.yaml (the top-level `paths:` block only: the whole 3 MB
 * file takes seconds to parse, this part about two). Read once per test process.
 */
export function specPaths(): PathItems {
  if (!paths) {
    const text = Deno.readTextFileSync(
      new URL("./fixtures/schemas/openai-openapi.yaml", import.meta.url),
    );
    const start = text.indexOf("\npaths:\n");
    // The next top-level key after `paths:` ends its block.
    const next = /\n[a-zA-Z]/g;
    next.lastIndex = start + 1;
    const stop = next.exec(text)?.index ?? text.length;
    paths = (parseYaml(text.slice(start, stop)) as { paths: PathItems }).paths;
  }
  return paths;
}

/** Every operation of the spec: each path template with its HTTP methods (lower case, sorted). */
export function specOperations(): Record<string, string[]> {
  return Object.fromEntries(
    Object.entries(specPaths()).map((
      [p, item],
    ) => [p, Object.keys(item).filter((m) => HTTP_METHODS.includes(m)).sort()]),
  );
}

/**
 * The spec's operation (a path template and a method, lower case) that a concrete request path
 * fills, or null when the spec has none. Ids fill the `{…}` segments; literal segments win over
 * templated ones (`/api_keys/x` is not `/{id}`).
 */
export function specOperationFor(
  method: string,
  path: string,
): { template: string; method: string } | null {
  const m = method.toLowerCase();
  const segs = path.split("/");
  const fits = Object.entries(specOperations()).filter(([template, methods]) => {
    const t = template.split("/");
    return methods.includes(m) && t.length === segs.length &&
      t.every((s, i) => /^\{[^}]+\}$/.test(s) ? segs[i] !== "" : s === segs[i]);
  }).map(([t]) => t).sort((a, b) => (a.match(/\{/g) ?? []).length - (b.match(/\{/g) ?? []).length);
  return fits.length ? { template: fits[0], method: m } : null;
}

/**
 * A validator for the JSON answer the spec documents for `method template` with `status`: the
 * operation's own response schema (inline or a component), with component references resolved
 * in the schema fixture. Throws when the spec documents no such answer.
 */
export function responseValidator(
  method: string,
  template: string,
  status: number,
): (value: unknown) => string[] {
  const op = specPaths()[template]?.[method.toLowerCase()];
  const schema = op?.responses?.[String(status)]?.content?.["application/json"]?.schema;
  if (!schema) throw new Error(`the spec documents no ${status} answer for ${method} ${template}`);
  const absolute = JSON.parse(
    JSON.stringify(schema).replaceAll('"#/components/', `"${SPEC_ID}#/components/`),
  );
  const v = openapiAjv().compile(absolute);
  return (value) =>
    v(value) ? [] : (v.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message}`);
}
