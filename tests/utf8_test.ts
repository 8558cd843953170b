/** Strict UTF-8 (lib/core/utf8.ts) held to the platform's fatal TextDecoder. */
import { deepStrictEqual as assertEquals, ok, throws } from "node:assert/strict";
import { decodeUtf8, firstBadByte } from "../lib/core/utf8.ts";
import { ManifestError } from "../lib/core/errors.ts";

const fatal = new TextDecoder("utf-8", { fatal: true });
const decodes = (b: Uint8Array) => {
  try {
    fatal.decode(b);
    return true;
  } catch {
    return false;
  }
};

Deno.test("firstBadByte agrees with the fatal TextDecoder on random byte strings: -1 exactly when they decode, and everything before it decodes", () => {
  let seed = 7;
  const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  // Bytes drawn mostly from the interesting ranges: ASCII, continuations, lead bytes.
  const pick = [0x41, 0x80, 0x9f, 0xa0, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5];
  for (let n = 0; n < 20_000; n++) {
    const b = Uint8Array.from(
      { length: 1 + Math.floor(rand() * 6) },
      () => rand() < 0.5 ? pick[Math.floor(rand() * pick.length)] : Math.floor(rand() * 256),
    );
    const bad = firstBadByte(b);
    assertEquals(bad === -1, decodes(b), `${[...b].map((x) => x.toString(16))}`);
    if (bad >= 0) ok(decodes(b.subarray(0, bad)), `prefix of ${[...b]}`);
  }
});

Deno.test("decodeUtf8 locates the first bad byte by line and column (characters), and names the byte", () => {
  const b = new Uint8Array([...new TextEncoder().encode("a: 1\nné: "), 0xff, 0x41]);
  throws(() => decodeUtf8(b, "m.yaml"), (e: unknown) => {
    ok(e instanceof ManifestError);
    assertEquals(
      e.message,
      "m.yaml:2:5: not valid UTF-8 (byte 0xFF); keydrift reads UTF-8 only: save the file as UTF-8",
    );
    return true;
  });
  assertEquals(decodeUtf8(new TextEncoder().encode("\ufeffok"), "x"), "ok");
});
