/**
 * The YAML tree the schema checker walks, whichever reader built it: the fast reader
 * (`yaml/fast.ts`) for plain manifests, or the full `yaml` reader for everything else.
 * Offsets are UTF-16 offsets into the text (after a BOM is removed).
 */
export type YNode =
  | { kind: "map"; offset: number; pairs: YPair[] }
  | { kind: "seq"; offset: number; items: (YNode | null)[] }
  /** `plain` is false for quoted scalars (and block scalars). */
  | { kind: "scalar"; offset: number; value: unknown; plain: boolean }
  /** Resolving counts against the alias limit, so it is done on demand. */
  | { kind: "alias"; offset: number; resolve(): YNode | null }
  /**
   * A block sequence from the fast reader, whose items are read when first asked for (each
   * once: the checker reads, checks and drops them in order). `item` may throw `GiveUp`.
   */
  | { kind: "lazyseq"; offset: number; length: number; item(i: number): YNode | null };

/** Deeper nesting than any manifest needs; refused before it can exhaust the stack. */
export const MAX_DEPTH = 64;

/** A key/value pair of a YAML mapping node */
export interface YPair {
  key: YNode | null;
  value: YNode | null;
}

/** 1-based line and column of offsets in one text. */
export class LineIndex {
  readonly #starts: number[] = [0];
  constructor(text: string) {
    for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) {
      this.#starts.push(i + 1);
    }
  }
  at(offset: number): { line: number; col: number } {
    const s = this.#starts;
    let lo = 0;
    let hi = s.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (s[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - s[lo] + 1 };
  }
}

/** A YAML scalar node */
export type YScalar = Extract<YNode, { kind: "scalar" }>;
