/**
 * The request bodies of the fake's write endpoints, checked as the spec (and, for the key update,
 * the official SDK) describes them; a body that is not one is a 400 naming the parameter.
 */
import { badParam, type Served } from "./paging.ts";
import type { Json } from "./types.ts";
import { errorEnvelope } from "./wire.ts";

/** A 400 that names no parameter. */
const invalid = (message: string): Served => ({
  status: 400,
  body: errorEnvelope(message, "invalid_request_error", null, null),
});

/** The API's bounds for `expires_in_seconds` on a key update (1 second to 365 days). */
const MAX_EXPIRES_IN = 31_536_000;

/** A key update: at least one of these (null is accepted for neither). */
export interface KeyUpdate {
  scopes?: string[];
  expires_in_seconds?: number;
}

/** A create: a service account's (`name` required) or a service-account key's (all optional). */
export interface Create {
  name?: string;
  scopes?: string[];
  create_service_account_only?: boolean | null;
}

/** The body as a JSON object (an empty body is `{}`), or the 400. */
function object(text: string): Json | Served {
  if (text.trim() === "") return {};
  try {
    const v = JSON.parse(text);
    if (v && typeof v === "object" && !Array.isArray(v)) return v;
  } catch {
    // a 400 below
  }
  return invalid("We could not parse the JSON body of your request");
}

const isServed = (v: Json): v is Served => typeof v.status === "number" && "body" in v;

/** The first field of `v` outside `allowed`, as a 400, or null. */
function unknownField(v: Json, allowed: string[]): Served | null {
  const extra = Object.keys(v).find((k) => !allowed.includes(k));
  return extra === undefined ? null : badParam(extra, `Unrecognized request argument: '${extra}'`);
}

const scopesOk = (s: unknown) => Array.isArray(s) && s.every((x) => typeof x === "string");

/** `POST …/api_keys/{id}`: `{ scopes?, expires_in_seconds? }`, at least one, neither null. */
export function readUpdate(text: string): KeyUpdate | Served {
  const v = object(text);
  if (isServed(v)) return v;
  const bad = unknownField(v, ["scopes", "expires_in_seconds"]);
  if (bad) return bad;
  if (v.scopes === undefined && v.expires_in_seconds === undefined) {
    return invalid("Provide at least one of scopes or expires_in_seconds");
  }
  if (v.scopes !== undefined && !scopesOk(v.scopes)) {
    return badParam("scopes", "Invalid 'scopes': expected an array of strings");
  }
  const n = v.expires_in_seconds;
  if (n !== undefined && !(Number.isInteger(n) && n >= 1 && n <= MAX_EXPIRES_IN)) {
    return badParam(
      "expires_in_seconds",
      `Invalid 'expires_in_seconds': expected an integer between 1 and ${MAX_EXPIRES_IN}`,
    );
  }
  return {
    ...(v.scopes !== undefined ? { scopes: v.scopes } : {}),
    ...(n !== undefined ? { expires_in_seconds: n } : {}),
  };
}

/**
 * `POST …/service_accounts` (`what` "service account": `{ name, create_service_account_only? }`)
 * or `POST …/service_accounts/{id}/api_keys` (`what` "key": `{ name?, scopes? }`).
 */
export function readCreate(text: string, what: "service account" | "key"): Create | Served {
  const v = object(text);
  if (isServed(v)) return v;
  const allowed = what === "key" ? ["name", "scopes"] : ["name", "create_service_account_only"];
  const bad = unknownField(v, allowed);
  if (bad) return bad;
  if (what === "service account" && (typeof v.name !== "string" || v.name === "")) {
    return badParam("name", "Missing required parameter: 'name'");
  }
  if (v.name !== undefined && typeof v.name !== "string") {
    return badParam("name", "Invalid 'name': expected a string");
  }
  if (v.scopes !== undefined && !scopesOk(v.scopes)) {
    return badParam("scopes", "Invalid 'scopes': expected an array of strings");
  }
  const only = v.create_service_account_only;
  if (only !== undefined && only !== null && typeof only !== "boolean") {
    return badParam("create_service_account_only", "Invalid 'create_service_account_only'");
  }
  return v as Create;
}
