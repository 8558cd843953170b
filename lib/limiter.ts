/**
 * Shared request gate: bounded concurrency that halves when the API throttles (429) and creeps
 * back up on success (AIMD), plus a pause that holds every worker until a `retry-after` passes.
 */
export interface LimiterClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export class Limiter {
  #limit: number;
  #active = 0;
  #successes = 0;
  #pausedUntil = 0;
  readonly #waiters: (() => void)[] = [];

  constructor(readonly max: number, readonly clock: LimiterClock) {
    this.#limit = max;
  }

  /** Current concurrency limit (for tests and verbose output). */
  get limit(): number {
    return this.#limit;
  }

  /** Waits for a free slot and for any throttle pause to end. */
  async acquire(): Promise<void> {
    while (this.#active >= this.#limit) {
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
    this.#active++;
    for (;;) {
      const wait = this.#pausedUntil - this.clock.now();
      if (wait <= 0) return;
      await this.clock.sleep(wait);
    }
  }

  release(): void {
    this.#active--;
    this.#wake();
  }

  /** A request succeeded: after a limit's worth of successes, allow one more in flight. */
  success(): void {
    if (this.#limit >= this.max) return;
    if (++this.#successes >= this.#limit) {
      this.#successes = 0;
      this.#limit++;
      this.#wake();
    }
  }

  /** The API throttled: halve concurrency for everyone and pause everyone for `waitMs`. */
  throttle(waitMs: number): void {
    this.#limit = Math.max(1, Math.floor(this.#limit / 2));
    this.#successes = 0;
    this.#pausedUntil = Math.max(this.#pausedUntil, this.clock.now() + waitMs);
  }

  #wake(): void {
    let free = this.#limit - this.#active;
    while (free-- > 0 && this.#waiters.length) this.#waiters.shift()!();
  }
}
