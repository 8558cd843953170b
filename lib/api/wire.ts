/**
 * Wire objects, checked against the OpenAPI spec's component schemas and turned into domain
 * values. Each `Shape` (`shapes.ts`) lists exactly the fields keydrift reads, compares or
 * evaluates, typed as the spec types them (`tests/api_wire_test.ts` holds every shape to the spec's schemas); a
 * field keydrift uses must be present with that type, or the item is malformed. Fields keydrift
 * does not use are never grounds for failure; a string must be well-formed Unicode. Ids must be
 * ids that can only mean themselves (`core/ids.ts`). Every string is scrubbed of the admin key here,
 * where it enters the program; a value keydrift compares or evaluates is never rewritten: one the
 * scrubber would change fails the read instead (SPEC 11.1), and so does one any output's scrubbing
 * would change (text shaped like a credential), which no report could show as it is.
 */
import { ApiError } from "../core/errors.ts";
import { idProblem, pathSegment, showId } from "../core/ids.ts";
import { shapedLikeCredential } from "../secrets/redact.ts";
import type { LiveKey, LiveOwner, OwnerType, WireProject } from "../core/types.ts";

export type { WireProject } from "../core/types.ts";
import {
  type Field,
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
    if (!hasType(f, v)) bad(what, `"${name}" is ${typeName(v)}, not ${article(f.type)}`);
    if (typeof v === "string" && !v.isWellFormed()) {
      bad(what, `"${name}" is not well-formed Unicode (it holds a lone surrogate)`);
    }
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

/** Whether `v` (not null or undefined) is of the field's type. */
function hasType(f: Field, v: unknown): boolean {
  switch (f.type) {
    case "integer":
      return f.anySize ? Number.isInteger(v) : Number.isSafeInteger(v);
    case "array":
      return Array.isArray(v);
    case "object":
      return isObj(v);
    case "number":
      return typeof v === "number";
    case "boolean":
      return typeof v === "boolean";
    default:
      return typeof v === "string";
  }
}

function article(type: string): string {
  return type === "integer" || type === "array" || type === "object" ? `an ${type}` : `a ${type}`;
}

/**
 * `raw[field]`, an id from the server, when it can only mean itself (`core/ids.ts`); else the read
 * fails, naming the item with the id shown safely. The admin key echoed into it is said as such.
 */
export function serverId(raw: Obj, field: string, what: What, scrub: Scrub): string {
  const id = raw[field] as string;
  const problem = idProblem(id) ?? (shapedLikeCredential(id) ? SHAPED_ID : null);
  // The admin key is said as such (`compared` says it of the other fields, later).
  if (problem === SHAPED_ID && scrub(id) !== id) {
    bad(what, `the server echoed the admin key into data ("${field}")`);
  }
  if (problem) bad(what, `"${field}" ${showId(id)} cannot be an id: ${problem}`);
  return id;
}

/** Why an id shaped like a credential is refused: no output could show it, or a fix built on it. */
const SHAPED_ID = "it is shaped like a credential, so every report would show it redacted " +
  "(and a fix would name another key)";

/**
 * `raw[field]`, a string keydrift compares or evaluates, as the server sent it. When the scrubber
 * would rewrite it (it holds the admin key, or a piece or form of it), the read fails: a rewritten
 * value would compare as a change that is not there, and the value cannot be shown as it is.
 */
export function compared(raw: Obj, field: string, scrub: Scrub, what: What): string {
  const v = raw[field] as string;
  if (scrub(v) !== v) bad(what, `the server echoed the admin key into data ("${field}")`);
  if (shapedLikeCredential(v)) {
    bad(
      what,
      `"${field}" is shaped like a credential (an sk- key, URL credentials, a ?token= parameter ` +
        `or an Authorization header value), which every report would show redacted; rename it in the ` +
        `organisation`,
    );
  }
  return v;
}

/**
 * An id as one segment of a request path (percent-encoded, `core/ids.ts`); an id that cannot be one
 * fails the read `what` before anything is sent.
 */
export function segment(id: string, what: string): string {
  const problem = idProblem(id);
  if (problem) {
    throw new ApiError(`Cannot ${what}: the id ${showId(id)} cannot be sent in a path: ${problem}`);
  }
  return pathSegment(id);
}

/** A project; `expectedId` when it answers a retrieve (another id is an error). */
export function readProject(
  raw: unknown,
  what: string,
  scrub: Scrub,
  expectedId?: string,
): WireProject {
  const p = check(raw, PROJECT, what);
  const id = serverId(p, "id", what, scrub);
  if (expectedId !== undefined && id !== expectedId) {
    bad(what, `it is project ${showId(scrub(id))}, not the one asked for`);
  }
  // The spec allows a null status; keydrift compares it (archived projects are drift), and an
  // absent value is never compared: it fails the read instead of passing as "active".
  if (p.status === null) {
    bad(what, `"status" is null, so keydrift cannot tell whether it is archived`);
  }
  const label = `project ${showId(scrub(id))} (${what})`;
  return {
    id: compared(p, "id", scrub, label),
    name: p.name === null ? null : compared(p, "name", scrub, label),
    status: compared(p, "status", scrub, label),
  };
}

/** A project API key; `expectedId` when it answers a retrieve (another id is an error). */
export function readKey(raw: unknown, what: string, scrub: Scrub, expectedId?: string): LiveKey {
  // Spelled out only for a message: a listing reads 100 keys a page and rarely fails.
  const label = () => {
    const rawId = isObj(raw) && typeof raw.id === "string" ? raw.id : null;
    return rawId === null ? what : `key ${showId(scrub(rawId))} (${what})`;
  };
  const k = check(raw, PROJECT_API_KEY, label);
  const id = serverId(k, "id", label, scrub);
  if (expectedId !== undefined && id !== expectedId) {
    bad(what, `it is key ${showId(scrub(id))}, not the one asked for`);
  }
  const owner = readOwner(k.owner, label, scrub);
  return {
    id: compared(k, "id", scrub, label),
    name: compared(k, "name", scrub, label),
    // Shown, never compared: scrubbed like any string the server sends.
    redactedValue: scrub(k.redacted_value as string),
    createdAt: k.created_at as number,
    lastUsedAt: k.last_used_at as number | null,
    expiresAt: k.expires_at as number | null | undefined,
    ownerProjectAccess: k.owner_project_access as "active" | "inactive",
    owner,
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
    const whose = () => `the user owning ${label()}`;
    const u = check(o.user, OWNER_USER, whose);
    serverId(u, "id", whose, scrub);
    const v = (field: string) => compared(u, field, scrub, whose);
    return { type, id: v("id"), name: v("name"), email: v("email"), role: v("role") };
  }
  const whose = () => `the service account owning ${label()}`;
  const s = check(o.service_account, OWNER_SERVICE_ACCOUNT, whose);
  serverId(s, "id", whose, scrub);
  const v = (field: string) => compared(s, field, scrub, whose);
  return { type, id: v("id"), name: v("name"), role: v("role") };
}
