/**
 * Strict UTF-8 for the files keydrift reads (manifests, baselines, fake states, the admin key
 * file): a byte sequence that is not UTF-8 is never read as U+FFFD, which would make a key name
 * that is not the one written (`dep\xffloy` read as `dep�loy`: a false missing and unexpected).
 * The first bad byte is located (line and column, from 1) so the message can point at it.
 */
import { ManifestError } from "./errors.ts";

const FATAL = new TextDecoder("utf-8", { fatal: true });

/**
 * The offset of the first byte of `bytes` that is not part of well-formed UTF-8 (Unicode 15,
 * table 3-7: no overlong forms, no surrogates, nothing past U+10FFFF), or -1 when all are.
 */
export function firstBadByte(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length;) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    const [n, lo, hi] = b >= 0xc2 && b <= 0xdf
      ? [1, 0x80, 0xbf]
      : b === 0xe0
      ? [2, 0xa0, 0xbf]
      : b === 0xed
      ? [2, 0x80, 0x9f]
      : b >= 0xe1 && b <= 0xef
      ? [2, 0x80, 0xbf]
      : b === 0xf0
      ? [3, 0x90, 0xbf]
      : b === 0xf4
      ? [3, 0x80, 0x8f]
      : b >= 0xf1 && b <= 0xf3
      ? [3, 0x80, 0xbf]
      : [0, 0, 0];
    if (n === 0) return i;
    // The second byte has the narrowed range; the others are plain continuation bytes.
    for (let k = 1; k <= n; k++) {
      const c = bytes[i + k];
      const [min, max] = k === 1 ? [lo, hi] : [0x80, 0xbf];
      if (c === undefined || c < min || c > max) return i;
    }
    i += n + 1;
  }
  return -1;
}

/**
 * `bytes` as text, or a located {@link ManifestError} (`file:line:column`, the column in
 * characters) at the first byte that is not UTF-8. A leading byte order mark is dropped.
 */
export function decodeUtf8(bytes: Uint8Array, file: string): string {
  try {
    return FATAL.decode(bytes);
  } catch {
    const bad = firstBadByte(bytes);
    const before = FATAL.decode(bytes.subarray(0, Math.max(bad, 0)));
    const lineStart = before.lastIndexOf("\n") + 1;
    const line = before.slice(0, lineStart).split("\n").length;
    const column = [...before.slice(lineStart)].length + 1;
    const hex = bad < 0 ? "" : ` (byte 0x${bytes[bad].toString(16).toUpperCase()})`;
    throw new ManifestError([{
      file,
      line,
      column,
      message: `not valid UTF-8${hex}; keydrift reads UTF-8 only: save the file as UTF-8`,
    }]);
  }
}
