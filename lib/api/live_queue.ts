/** The live reader's plumbing: a push-to-pull queue, and a bounded pool over a list. */

/** A push-to-pull queue: the reader pushes as projects complete, the caller pulls with for-await. */
export class AsyncQueue<T> implements AsyncIterable<T> {
  #items: T[] = [];
  #done = false;
  #error: unknown = null;
  #wake: (() => void) | null = null;

  /** Adds an item for the caller. */
  push(item: T): void {
    this.#items.push(item);
    this.#signal();
  }
  /** No more items: the caller's loop ends once it has taken them all. */
  end(): void {
    this.#done = true;
    this.#signal();
  }
  /** The reading failed: the caller's loop throws `e` once it has taken what came before. */
  fail(e: unknown): void {
    this.#error = e ?? new Error("reading failed");
    this.end();
  }
  #signal(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      if (this.#items.length) {
        const batch = this.#items;
        this.#items = [];
        yield* batch;
        continue;
      }
      if (this.#error !== null) throw this.#error;
      if (this.#done) return;
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }
}

/** Runs `f` over `items`, at most `width` at a time, in order of start. */
export async function eachConcurrently<T>(
  items: readonly T[],
  width: number,
  f: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await f(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, width), items.length) }, worker));
}
