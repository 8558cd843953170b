/** `sha256Hex()` (issue 19): FIPS 180-4's examples, and Web Crypto's answers byte for byte. */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import fc from "fast-check";
import { sha256Hex } from "../lib/core/sha256.ts";

async function webCrypto(data: Uint8Array | string): Promise<string> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : Uint8Array.from(data);
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return [...d].map((b) => b.toString(16).padStart(2, "0")).join("");
}

Deno.test("sha256Hex() gives the FIPS 180-4 example digests", () => {
  assertEquals(
    sha256Hex(""),
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  );
  assertEquals(
    sha256Hex("abc"),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
  assertEquals(
    sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
  );
});

Deno.test("sha256Hex() equals Web Crypto's SHA-256 on every length across the padding boundaries", async () => {
  for (let n = 0; n <= 200; n++) {
    const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 151 + n * 7) & 255);
    assertEquals(sha256Hex(bytes), await webCrypto(bytes), `${n} bytes`);
  }
  const big = Uint8Array.from({ length: 70_001 }, (_, i) => (i * 31) & 255);
  assertEquals(sha256Hex(big), await webCrypto(big), "past the scratch buffer");
});

Deno.test("sha256Hex() equals Web Crypto's SHA-256 of the UTF-8 for any string, lone surrogates included", async () => {
  await fc.assert(
    fc.asyncProperty(fc.string({ unit: "binary", maxLength: 300 }), async (s) => {
      assertEquals(sha256Hex(s), await webCrypto(s));
    }),
    { numRuns: 300 },
  );
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (b) => {
      assertEquals(sha256Hex(b), await webCrypto(b));
    }),
    { numRuns: 300 },
  );
});
