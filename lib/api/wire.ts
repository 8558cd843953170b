/**
 * Wire objects, checked against the OpenAPI spec's component schemas and turned into domain
 * values. Each `Shape` (`shapes.ts`) lists exactly the fields keydrift reads, compares or
 * evaluates, typed as the spec types them (`tests/api_wire_test.ts` holds every shape to the spec's schemas); a
 * field keydrift uses must be present with that type, or the item is malformed. Fields keydrift
 * does not use are never grounds for failure. Every string is scrubbed of the admin key here,
 * where it enters the program.
 */
import { ApiError } from "../errors.ts";
import type { LiveKey, LiveOwner, OwnerType } from "../types.ts";
import {
  KEY_OWNER,
  OWNER_SERVICE_ACCOUNT,
  OWNER_USER,
  PROJECT,
  PROJECT_API_KEY,
  type Shape,
} from "./shapes.ts";

/** Latest instant keydrift accepts: 9999-12-31T23:59:59Z (later ones are not dates). */
const MAX_UNIX = 253_402_300_799;

type Obj = Record<string, unknown>;
/** A function that scrubs a server string of secrets (the admin key) before it is shown */
export type Scrub = (s: string) => string;

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** What is being read, for messages: spelled out only when a message needs it. */
export type What = string | (() => string);

function bad(what: What, why: string): never {
  const name = typeof what === "string" ? what : what();
  throw new ApiError(`Cannot read ${name}: ${why}; keydrift cannot trust this answer`);
}

function typeName(v: unknown): string {
  return v === null ? "null" : Array.isArray(v) ? "an array" : `a ${typeof v}`;
}

/** Checks `raw` against `shape`; returns it typed loosely. Throws ApiError naming the field. */
export function check(raw: unknown, shape: Shape, what: What): Obj {
  if (!isObj(raw)) bad(what, `the answer is ${typeName(raw)}, not a JSON object`);
  const fields = shape.fields;
  for (const name in fields) {
    const f = fields[name];
    const v = raw[name];
    if (v === undefined) {
      if (f.optional) continue;
      bad(what, `"${name}" is missing`);
    }
    if (v === null) {
      if (f.nullable) continue;
      bad(what, `"${name}" is null`);
    }
    const ok = f.type === "integer"
      ? (f.anySize ? Number.isInteger(v) : Number.isSafeInteger(v))
      : f.type === "array"
      ? Array.isArray(v)
      : f.type === "object"
      ? isObj(v)
      : f.type === "boolean"
      ? typeof v === "boolean"
      : typeof v === "string";
    if (!ok) bad(what, `"${name}" is ${typeName(v)}, not ${article(f.type)}`);
    if (f.enum && !f.enum.includes(v as string)) {
      bad(
        what,
        `"${name}" is ${JSON.stringify(v)}, not ${f.enum.map((e) => `"${e}"`).join(" or ")}`,
      );
    }
    if (f.unixtime && ((v as number) < 0 || (v as number) > MAX_UNIX)) {
      bad(what, `"${name}" is ${v}, not a Unix time between 1970 and 9999`);
    }
  }
  return raw;
}

function article(type: string): string {
  return type === "integer" || type === "array" || type === "object" ? `an ${type}` : `a ${type}`;
}

/** A project as keydrift uses it. */
export interface WireProject {
  id: string;
  name: string | null;
  status: string | null;
}

/** A project; `expectedId` when it answers a retrieve (another id is an error). */
export function readProject(
  raw: unknown,
  what: string,
  scrub: Scrub,
  expectedId?: string,
): WireProject {
  const p = check(raw, PROJECT, what);
  const id = p.id as string;
  if (expectedId !== undefined && id !== expectedId) {
    bad(what, `it is project "${scrub(id)}", not the one asked for`);
  }
  const opt = (v: unknown) => (v === null ? null : scrub(v as string));
  // The spec allows a null status; keydrift compares it (archived projects are drift), and an
  // absent value is never compared: it fails the read instead of passing as "active".
  if (p.status === null) {
    bad(what, `"status" is null, so keydrift cannot tell whether it is archived`);
  }
  return { id: scrub(id), name: opt(p.name), status: scrub(p.status as string) };
}

/** A project API key; `expectedId` when it answers a retrieve (another id is an error). */
export function readKey(raw: unknown, what: string, scrub: Scrub, expectedId?: string): LiveKey {
  // Spelled out only for a message: a listing reads 100 keys a page and rarely fails.
  const label = () => {
    const rawId = isObj(raw) && typeof raw.id === "string" ? raw.id : null;
    return rawId ? `key "${scrub(rawId)}" (${what})` : what;
  };
  const k = check(raw, PROJECT_API_KEY, label);
  if (expectedId !== undefined && k.id !== expectedId) {
    bad(what, `it is key "${scrub(k.id as string)}", not the one asked for`);
  }
  return {
    id: scrub(k.id as string),
    name: scrub(k.name as string),
    redactedValue: scrub(k.redacted_value as string),
    createdAt: k.created_at as number,
    lastUsedAt: k.last_used_at as number | null,
    expiresAt: k.expires_at as number | null | undefined,
    ownerProjectAccess: k.owner_project_access as "active" | "inactive",
    owner: readOwner(k.owner, label, scrub),
  };
}

function readOwner(raw: unknown, label: () => string, scrub: Scrub): LiveOwner {
  const o = check(raw, KEY_OWNER, () => `the owner of ${label()}`);
  const type = o.type as OwnerType;
  if (o[type] === undefined) bad(label, `the owner says "${type}" but has no "${type}" object`);
  const other = type === "user" ? "service_account" : "user";
  if (o[other] !== undefined && o[other] !== null) {
    bad(label, `the owner says "${type}" but also carries a "${other}" object`);
  }
  if (type === "user") {
    const u = check(o.user, OWNER_USER, () => `the user owning ${label()}`);
    return {
      type,
      id: scrub(u.id as string),
      name: scrub(u.name as string),
      email: scrub(u.email as string),
      role: scrub(u.role as string),
    };
  }
  const s = check(
    o.service_account,
    OWNER_SERVICE_ACCOUNT,
    () => `the service account owning ${label()}`,
  );
  return {
    type,
    id: scrub(s.id as string),
    name: scrub(s.name as string),
    role: scrub(s.role as string),
  };
}
