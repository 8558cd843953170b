/**
 * What a failed fetch was, in words. Deno's fetch rejects with `TypeError: fetch failed` and puts
 * what happened in the error's `cause` chain (`dns error: …`, `tcp connect error: Connection
 * refused`, `invalid peer certificate: …`, `Connection reset by peer`): each is named here, so a
 * typo in a host name does not read like a flaky network.
 */

/** The messages of an error and of its causes, outermost first (at most 8 deep). */
function chain(e: unknown): string[] {
  const out: string[] = [];
  for (let at = e, depth = 0; at !== undefined && at !== null && depth < 8; depth++) {
    out.push(at instanceof Error ? at.message : String(at));
    at = at instanceof Error ? (at as { cause?: unknown }).cause : undefined;
  }
  return out;
}

/** The host a Deno fetch error names (`for url (https://host/…)`, `for http://host/…`), or null. */
function hostIn(text: string): string | null {
  const m = /\bfor (?:url \()?([a-z][a-z0-9+.-]*:\/\/[^\s/)]+)/i.exec(text);
  if (!m) return null;
  try {
    return new URL(m[1]).host;
  } catch {
    return null;
  }
}

/** Each kind of failure a fetch can end in: how Deno says it, and how we say it. */
const KINDS: readonly [RegExp, (host: string) => string][] = [
  [
    /\bdns error\b|failed to lookup address|Name or service not known|nodename nor servname/i,
    (h) =>
      `DNS lookup failed: the name ${h} does not resolve; check the host in --api-url or ` +
      "OPENAI_BASE_URL, and the runner's DNS",
  ],
  [/connection refused/i, (h) => `connection refused by ${h}: nothing listens there`],
  [
    /invalid peer certificate|certificate|\btls\b|handshake|corrupt message|InvalidContentType/i,
    (h) =>
      `TLS error talking to ${h}: its certificate or TLS setup was refused (a proxy that ` +
      "intercepts TLS needs its CA in DENO_CERT)",
  ],
  [/connection reset/i, (h) => `connection reset by ${h}`],
  [
    /connection closed before message completed|unexpected eof|broken pipe/i,
    (h) => `connection closed by ${h} before it answered`,
  ],
  [/timed out/i, (h) => `connection to ${h} timed out`],
];

/**
 * A failed fetch in words: `DNS lookup failed: …`, `connection refused by …`, `TLS error …`,
 * `connection reset by …`, with the innermost cause's first line after it; anything else is the
 * innermost cause's first line (never just `fetch failed`).
 */
export function networkProblem(e: unknown): string {
  const messages = chain(e).map((m) => m.split("\n")[0]);
  const all = messages.join(" | ");
  // Deno's own detail, without the request it repeats: `dns error: failed to lookup …`.
  const last = messages[messages.length - 1] ?? "";
  const innermost = last.includes("): ") ? last.slice(last.lastIndexOf("): ") + 3) : last;
  const host = hostIn(all) ?? "the server";
  const kind = KINDS.find(([pattern]) => pattern.test(all));
  return kind ? `${kind[1](host)} (${innermost})` : innermost;
}
