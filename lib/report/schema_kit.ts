/**
 * The TypeBox helpers the JSON report's schema (`report/schema.ts`, `report/schema_enrich.ts`)
 * is written with: plain JSON Schema, each with its description.
 */
import { type TSchema, Type } from "@sinclair/typebox";

/** Spread into an object's options: no property beyond those listed. */
export const closed = { additionalProperties: false } as const;

/** A string that is one of `values`, as a plain JSON Schema `enum`. */
export function stringEnum<const T extends readonly string[]>(values: T, description: string) {
  return Type.Unsafe<T[number]>({ type: "string", enum: [...values], description });
}

/** `schema` or null; the description goes on the whole. */
export function nullable<T extends TSchema>(schema: T, description: string) {
  return Type.Union([schema, Type.Null()], { description });
}

/** A whole number of at least 0. */
export const count = (description: string) => Type.Integer({ minimum: 0, description });
/** A string. */
export const text = (description: string) => Type.String({ description });
/** A string or null. */
export const maybeText = (description: string) => nullable(text(description), description);
