/** Last line of defence against leaking secrets into any output. */

/** Secret-shaped tokens: `sk-` keys with a long unmasked run (redacted values contain `*`). */
const SECRET_RE = /\bsk-[A-Za-z0-9_-]{16,}/g;
const USERINFO_RE = /\b([a-z][a-z0-9+.-]*:\/\/)[^/@\s:]+(?::[^/@\s]*)?@/gi;
const QUERY_SECRET_RE = /([?&](?:api[_-]?key|key|token|access_token|secret)=)[^&\s#]+/gi;
const BEARER_RE = /(Bearer\s+)\S+/gi;

/** Replaces `secrets` and anything secret-shaped in `text`. */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const s of secrets) {
    if (s.length >= 4) out = out.split(s).join("[REDACTED]");
  }
  return out
    .replace(SECRET_RE, "sk-[REDACTED]")
    .replace(USERINFO_RE, "$1[REDACTED]@")
    .replace(QUERY_SECRET_RE, "$1[REDACTED]")
    .replace(BEARER_RE, "$1[REDACTED]");
}
