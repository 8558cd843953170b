/**
 * Failed fetches are named for what they were. Each case is what Deno 2.9's fetch rejects with
 * (the TypeError and its cause chain, recorded from real failures: an unknown host, a closed
 * port, a self-signed certificate, a reset), plus one real refused connection.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { networkProblem } from "../lib/api/network_error.ts";

/** `TypeError: fetch failed` with `cause`, as Deno's fetch rejects. */
const failed = (cause: string) => new TypeError("fetch failed", { cause: new Error(cause) });

Deno.test("networkProblem names DNS failures, refused connections, TLS errors and resets", () => {
  const cases: [Error, string][] = [
    [
      failed(
        "error sending request for url (https://api.openai.con/v1/organization/projects): client error (Connect): dns error: failed to lookup address information: Name or service not known",
      ),
      "DNS lookup failed: the name api.openai.con does not resolve; check the host in --api-url or OPENAI_BASE_URL, and the runner's DNS (dns error: failed to lookup address information: Name or service not known)",
    ],
    [
      failed(
        "error sending request for url (http://127.0.0.1:8796/v1/organization/projects): client error (Connect): tcp connect error: Connection refused (os error 111)",
      ),
      "connection refused by 127.0.0.1:8796: nothing listens there (tcp connect error: Connection refused (os error 111))",
    ],
    [
      failed(
        "error sending request for url (https://localhost:8443/v1/x): client error (Connect): invalid peer certificate: Other(OtherError(CaUsedAsEndEntity))",
      ),
      "TLS error talking to localhost:8443: its certificate or TLS setup was refused (a proxy that intercepts TLS needs its CA in DENO_CERT) (invalid peer certificate: Other(OtherError(CaUsedAsEndEntity)))",
    ],
    [
      failed("Connection reset by peer (os error 104)"),
      "connection reset by the server (Connection reset by peer (os error 104))",
    ],
    [
      failed(
        "error sending request from 127.0.0.1:47174 for http://127.0.0.1:8797/ (127.0.0.1:8797): client error (SendRequest): connection closed before message completed",
      ),
      "connection closed by 127.0.0.1:8797 before it answered (connection closed before message completed)",
    ],
  ];
  for (const [error, want] of cases) assertEquals(networkProblem(error), want);
});

Deno.test("networkProblem never says only 'fetch failed': an unknown failure gives its innermost cause", () => {
  assertEquals(networkProblem(failed("something new")), "something new");
  assertEquals(
    networkProblem(new TypeError("Fetch failed: Requests to port 1 are blocked")),
    "Fetch failed: Requests to port 1 are blocked",
  );
});

Deno.test("a real refused connection is named as refused", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close(); // the port is now closed: nothing listens
  const e = await fetch(`http://127.0.0.1:${port}/v1`).then(() => null, (e) => e);
  ok(e, "the fetch failed");
  ok(networkProblem(e).startsWith(`connection refused by 127.0.0.1:${port}: `), networkProblem(e));
});
