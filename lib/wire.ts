/** Checks Admin API objects and turns them into domain values. Anything malformed is an ApiError. */
import { ApiError } from "./errors.ts";
import type { LiveKey, LiveOwner } from "./types.ts";

export interface WireProject {
  id: string;
  name: string | null;
  status: string | null;
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const isInt = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v);

function bad(what: string, why: string): never {
  throw new ApiError(`Cannot read ${what}: ${why}; keydrift cannot trust this answer`);
}

export function parseProject(raw: unknown, what: string): WireProject {
  if (!isObj(raw)) bad(what, "it is not a JSON object");
  if (typeof raw.id !== "string" || raw.id === "") bad(what, `it has no "id"`);
  const name = raw.name === undefined || raw.name === null ? null : raw.name;
  const status = raw.status === undefined || raw.status === null ? null : raw.status;
  if (name !== null && typeof name !== "string") bad(what, `"name" is not a string`);
  if (status !== null && typeof status !== "string") bad(what, `"status" is not a string`);
  return { id: raw.id, name: name as string | null, status: status as string | null };
}

/** A well-formed key: id, name, timestamps, access, and an owner whose branch matches its type. */
export function parseKey(raw: unknown, what: string): LiveKey {
  if (!isObj(raw)) bad(what, "it is not a JSON object");
  const id = typeof raw.id === "string" && raw.id !== "" ? raw.id : bad(what, `it has no "id"`);
  const label = `key "${id}" (${what})`;
  if (typeof raw.name !== "string") bad(label, `"name" is not a string`);
  if (!isInt(raw.created_at)) bad(label, `"created_at" is not a timestamp`);
  if (raw.last_used_at !== null && !isInt(raw.last_used_at)) {
    bad(label, `"last_used_at" is not a timestamp or null`);
  }
  if (raw.expires_at !== undefined && raw.expires_at !== null && !isInt(raw.expires_at)) {
    bad(label, `"expires_at" is not a timestamp or null`);
  }
  if (raw.owner_project_access !== "active" && raw.owner_project_access !== "inactive") {
    bad(label, `"owner_project_access" is not active or inactive`);
  }
  if (typeof raw.redacted_value !== "string") bad(label, `"redacted_value" is not a string`);
  return {
    id,
    name: raw.name,
    redactedValue: raw.redacted_value,
    createdAt: raw.created_at,
    lastUsedAt: raw.last_used_at as number | null,
    expiresAt: raw.expires_at as number | null | undefined,
    ownerProjectAccess: raw.owner_project_access,
    owner: parseOwner(raw.owner, label),
  };
}

function parseOwner(raw: unknown, label: string): LiveOwner {
  if (!isObj(raw)) bad(label, "it has no owner");
  const type = raw.type;
  if (type !== "user" && type !== "service_account") {
    bad(label, `owner "type" is not user or service_account`);
  }
  const branch = raw[type];
  if (!isObj(branch)) bad(label, `the owner says "${type}" but has no "${type}" object`);
  if (typeof branch.id !== "string" || typeof branch.name !== "string") {
    bad(label, `the owner has no id or name`);
  }
  const owner: LiveOwner = {
    type,
    id: branch.id,
    name: branch.name,
    role: typeof branch.role === "string" ? branch.role : "",
  };
  if (type === "user" && typeof branch.email === "string") owner.email = branch.email;
  return owner;
}
