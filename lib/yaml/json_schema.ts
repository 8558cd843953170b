/**
 * The subset of JSON Schema draft-07 that keydrift uses and its YAML checker enforces: the
 * manifest's schema and the fake's state-file schema are written in it.
 */
export interface JsonSchema {
  $schema?: string;
  $id?: string;
  title?: string;
  description?: string;
  type?: "object" | "array" | "string" | "integer" | "boolean" | "number";
  properties?: Record<string, JsonSchema>;
  required?: string[];
  /** Alternatives of required fields, exactly one of which must hold (`projects` or `orgs`). */
  oneOf?: { properties?: Record<string, true>; required: string[] }[];
  additionalProperties?: boolean;
  items?: JsonSchema;
  enum?: readonly (string | number)[];
  pattern?: string;
  minLength?: number;
  minimum?: number;
  maximum?: number;
  default?: unknown;
  examples?: unknown[];
}
