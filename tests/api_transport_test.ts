/**
 * `lib/api/transport.ts` against a raw TCP server on 127.0.0.1:0 that writes HTTP/1.1 by hand, so
 * that framing (a declared length, a cut-off body, a content coding) is what a real server or a
 * hostile one sends, not what our fake would.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { type Attempt, type Clock, getOnce } from "../lib/api/transport.ts";
import { timerSleep } from "../lib/core/deps.ts";

const CLOCK: Clock = { now: () => Date.now(), sleep: timerSleep };

/** Serves one connection with `head` + `body` written as given, then closes it. */
async function once(head: string, body: Uint8Array, timeoutMs = 5_000): Promise<Attempt> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const served = (async () => {
    const conn = await listener.accept();
    try {
      await conn.read(new Uint8Array(64 * 1024));
      const h = new TextEncoder().encode(head.replaceAll("\n", "\r\n") + "\r\n");
      const all = new Uint8Array(h.length + body.length);
      all.set(h);
      all.set(body, h.length);
      for (let at = 0; at < all.length;) at += await conn.write(all.subarray(at));
    } catch {
      // the client may hang up first (a refused size)
    } finally {
      conn.close();
    }
  })();
  try {
    const { port } = listener.addr as Deno.NetAddr;
    return await getOnce(new URL(`http://127.0.0.1:${port}/v1/organization/projects`), {
      fetch,
      clock: CLOCK,
      headers: {},
      timeoutMs,
      maxBytes: 1024,
    });
  } finally {
    await served;
    listener.close();
  }
}

const text = (s: string) => new TextEncoder().encode(s);

Deno.test("a body with an honest content-length is read whole and parsed", async () => {
  const body = text('{"object":"list","data":[]}');
  const r = await once(
    `HTTP/1.1 200 OK\ncontent-type: application/json\ncontent-length: ${body.length}\nconnection: close\n`,
    body,
  );
  ok(r.kind === "response");
  assertEquals(r.json, { object: "list", data: [] });
});

Deno.test("a body cut off before its content-length is a broken answer, never a parsed one", async () => {
  const r = await once(
    "HTTP/1.1 200 OK\ncontent-type: application/json\ncontent-length: 500\nconnection: close\n",
    text('{"object":"list","data":['),
  );
  ok(r.kind === "broken_body", JSON.stringify(r));
});

Deno.test("bytes past a content-length are not part of the answer", async () => {
  const body = text('{"a":1}{"b":2}');
  const r = await once(
    "HTTP/1.1 200 OK\ncontent-type: application/json\ncontent-length: 7\nconnection: close\n",
    body,
  );
  ok(r.kind === "response");
  assertEquals(r.json, { a: 1 });
});

Deno.test("a content-length over the limit is refused before the body is read", async () => {
  const r = await once(
    "HTTP/1.1 200 OK\ncontent-type: application/json\ncontent-length: 999999\nconnection: close\n",
    text("{}"),
  );
  assertEquals(r, { kind: "too_large", bytes: 999999 });
});

Deno.test("a gzip body within the limit on the wire but over it decompressed is refused", async () => {
  const inflated = text(JSON.stringify({ pad: " ".repeat(10_000) }));
  const gz = gzipSync(inflated);
  ok(gz.length < 1024);
  const r = await once(
    `HTTP/1.1 200 OK\ncontent-type: application/json\ncontent-encoding: gzip\ncontent-length: ${gz.length}\nconnection: close\n`,
    new Uint8Array(gz),
  );
  ok(r.kind === "too_large" && r.bytes > 1024, JSON.stringify(r));
});

Deno.test("a chunked body over the limit is refused once it passes the limit", async () => {
  const chunk = "x".repeat(800);
  const size = chunk.length.toString(16);
  const r = await once(
    "HTTP/1.1 200 OK\ncontent-type: application/json\ntransfer-encoding: chunked\nconnection: close\n",
    text(`${size}\r\n${chunk}\r\n${size}\r\n${chunk}\r\n0\r\n\r\n`),
  );
  ok(r.kind === "too_large", JSON.stringify(r));
});

Deno.test("a body with both a small content-length and a chunked transfer-encoding is counted as it comes, and refused past the limit", async () => {
  const chunk = "x".repeat(800);
  const size = chunk.length.toString(16);
  const r = await once(
    "HTTP/1.1 200 OK\ncontent-type: application/json\ncontent-length: 2\ntransfer-encoding: chunked\nconnection: close\n",
    text(`${size}\r\n${chunk}\r\n${size}\r\n${chunk}\r\n0\r\n\r\n`),
  );
  ok(r.kind === "too_large", JSON.stringify(r));
});

Deno.test("a body that is not valid UTF-8 is neither text nor JSON (framed or chunked), never read with U+FFFD in its place", async () => {
  const bytes = new Uint8Array([...text('{"name":"lap'), 0xff, ...text('top"}')]);
  const framed = await once(
    `HTTP/1.1 200 OK\ncontent-type: application/json\ncontent-length: ${bytes.length}\nconnection: close\n`,
    bytes,
  );
  const chunked = await once(
    "HTTP/1.1 200 OK\ncontent-type: application/json\ntransfer-encoding: chunked\nconnection: close\n",
    new Uint8Array([
      ...text(`${bytes.length.toString(16)}\r\n`),
      ...bytes,
      ...text("\r\n0\r\n\r\n"),
    ]),
  );
  for (const r of [framed, chunked]) {
    ok(r.kind === "response", JSON.stringify(r));
    assertEquals([r.isUtf8, r.isJson, r.json], [false, false, undefined]);
  }
});

Deno.test("a character split across chunks decodes whole", async () => {
  const e = text("é"); // two bytes
  const body = new Uint8Array([
    ...text(`d\r\n{"name":"lap`),
    e[0],
    ...text(`\r\n`),
    ...text(`6\r\n`),
    e[1],
    ...text(`top"}\r\n0\r\n\r\n`),
  ]);
  const r = await once(
    "HTTP/1.1 200 OK\ncontent-type: application/json\ntransfer-encoding: chunked\nconnection: close\n",
    body,
  );
  ok(r.kind === "response" && r.isUtf8, JSON.stringify(r));
  assertEquals(r.json, { name: "lapétop" });
});
