/**
 * Validators for the official OpenAPI component schemas, the one place the fake's tests load them
 * from (switch the source here). Today: the spec file beside the project, unmodified.
 */
import { Ajv2020 } from "ajv/dist/2020.js";
import { parse } from "yaml";

const SPEC_URL = new URL("../../shared/reference/openai-openapi.yaml", import.meta.url);

let ajv: Ajv2020 | null = null;
const validators = new Map<string, (v: unknown) => boolean>();

/** A validator for the component schema `name`; it throws with the errors when `v` does not fit. */
export function openapi(name: string): (v: unknown) => boolean {
  if (!ajv) {
    const spec = parse(Deno.readTextFileSync(SPEC_URL));
    ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
    ajv.addSchema({ $id: "https://openapi.local/spec.json", components: spec.components });
  }
  let check = validators.get(name);
  if (!check) {
    const v = ajv.getSchema(`https://openapi.local/spec.json#/components/schemas/${name}`);
    if (!v) throw new Error(`no component schema "${name}" in the spec`);
    check = (x) => {
      if (!(v(x) as boolean)) throw new Error(`${name}: ${JSON.stringify(v.errors)}`);
      return true;
    };
    validators.set(name, check);
  }
  return check;
}
