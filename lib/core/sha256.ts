/**
 * SHA-256 (FIPS 180-4), synchronous and dependency-free: what baseline, SARIF and Code Quality
 * fingerprints are made of. Not Web Crypto's `crypto.subtle.digest`, which is asynchronous
 * (renderers are synchronous and pure) and costs about 35 µs a call in Deno (2 s for 60,000
 * items), nor `node:crypto`, whose import adds about 40 ms and 10 MiB to start-up. The tests hold
 * this implementation to Web Crypto's answers byte for byte (`tests/sha256_test.ts`).
 */

/** The first 32 bits of the fractional parts of the cube roots of the first 64 primes. */
// deno-fmt-ignore
const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

/** The first 32 bits of the fractional parts of the square roots of the first 8 primes. */
// deno-fmt-ignore
const H0 = [
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
  0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

/** Each byte as two lowercase hex digits (`Number#toString(16)` costs more than the hashing). */
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

const rotr = (x: number, n: number) => (x >>> n) | (x << (32 - n));

/** One 64-byte block at `offset` of `m` folded into the state `h` (`w` is scratch space). */
function compress(h: Int32Array, w: Int32Array, m: Uint8Array, offset: number): void {
  for (let t = 0, i = offset; t < 16; t++, i += 4) {
    w[t] = (m[i] << 24) | (m[i + 1] << 16) | (m[i + 2] << 8) | m[i + 3];
  }
  for (let t = 16; t < 64; t++) {
    const x = w[t - 15];
    const y = w[t - 2];
    const s0 = rotr(x, 7) ^ rotr(x, 18) ^ (x >>> 3);
    const s1 = rotr(y, 17) ^ rotr(y, 19) ^ (y >>> 10);
    w[t] = (w[t - 16] + s0 + w[t - 7] + s1) | 0;
  }
  let [a, b, c, d, e, f, g, hh] = h;
  for (let t = 0; t < 64; t++) {
    const ch = (e & f) ^ (~e & g);
    const t1 = (hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ch + K[t] + w[t]) | 0;
    const maj = (a & b) ^ (a & c) ^ (b & c);
    const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + maj) | 0;
    hh = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  h[0] += a;
  h[1] += b;
  h[2] += c;
  h[3] += d;
  h[4] += e;
  h[5] += f;
  h[6] += g;
  h[7] += hh;
}

// Scratch space, reused: a small typed array costs more to allocate than hashing its bytes. The
// function is synchronous, so no two calls ever share them; inputs past the scratch buffer get
// their own (and it is not kept).
const h = new Int32Array(8);
const w = new Int32Array(64);
const scratch = new Uint8Array(4096);
const utf8 = new TextEncoder();

/**
 * The SHA-256 digest of `data` (a string is hashed as its UTF-8, a lone surrogate as U+FFFD the
 * way `TextEncoder` writes it), as 64 lowercase hex digits.
 */
export function sha256Hex(data: string | Uint8Array): string {
  const most = (typeof data === "string" ? data.length * 3 : data.length) + 72;
  const m = most <= scratch.length ? scratch : new Uint8Array(most);
  let n: number;
  if (typeof data === "string") n = utf8.encodeInto(data, m).written;
  else {
    m.set(data);
    n = data.length;
  }
  // The message, a 1 bit, zeros, then its length in bits (64-bit big-endian): whole blocks.
  const size = Math.ceil((n + 9) / 64) * 64;
  m.fill(0, n, size);
  m[n] = 0x80;
  writeUint32(m, size - 8, Math.floor(n / 0x20000000));
  writeUint32(m, size - 4, (n * 8) >>> 0);
  h.set(H0);
  for (let at = 0; at < size; at += 64) compress(h, w, m, at);
  let out = "";
  for (let i = 0; i < 8; i++) {
    const x = h[i];
    out += HEX[(x >>> 24) & 255] + HEX[(x >>> 16) & 255] + HEX[(x >>> 8) & 255] + HEX[x & 255];
  }
  return out;
}

/** `x` as 4 big-endian bytes at `at`. */
function writeUint32(m: Uint8Array, at: number, x: number): void {
  m[at] = x >>> 24;
  m[at + 1] = x >>> 16;
  m[at + 2] = x >>> 8;
  m[at + 3] = x;
}
