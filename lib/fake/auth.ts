/** What the fake answers before routing: the edge's URL limit and bearer authentication. */
import type { Json } from "./types.ts";
import { errorEnvelope } from "./wire.ts";

/** The edge's answer to an over-long URL: an HTML page, no request id (the API never saw it). */
export function uriTooLong(): Response {
  return new Response(
    "<html>\r\n<head><title>414 Request-URI Too Large</title></head>\r\n<body>\r\n<center><h1>414 Request-URI Too Large</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n",
    { status: 414, headers: { "content-type": "text/html" } },
  );
}

/**
 * Returns a JSON error envelope for a bad or missing bearer token, or null when it is an admin key.
 * `unknownKey`: a fleet refuses an admin-shaped key that belongs to none of its orgs.
 */
export function authenticate(header: string | null, unknownKey = false): Json | null {
  if (!header || !/^Bearer\s+\S/.test(header)) {
    return errorEnvelope(
      "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
      "invalid_request_error",
      null,
      null,
    );
  }
  const key = header.replace(/^Bearer\s+/, "").trim();
  if (key.startsWith("sk-admin-") && !unknownKey) return null;
  if (key.startsWith("sk-proj-") || key.startsWith("sk-svcacct-")) {
    return errorEnvelope(
      "You have insufficient permissions for this operation. Missing scopes: api.management.read. Check that you have the correct role in your organization.",
      "invalid_request_error",
      null,
      null,
    );
  }
  const shown = key.length > 8 ? `${key.slice(0, 3)}****${key.slice(-4)}` : "****";
  return errorEnvelope(
    `Incorrect API key provided: ${shown}.`,
    "invalid_request_error",
    null,
    "invalid_api_key",
  );
}
