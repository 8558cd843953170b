/**
 * Shared request gate for one run. Bounded concurrency that halves when the API throttles (429)
 * and creeps back up on success (AIMD); a pause that holds every worker until a `retry-after`
 * passes; and, once throttled, pacing: request starts are spaced by the interval the server
 * asked for, so the workers do not wake together into another wall of 429s. The spacing decays
 * on success, so the run speeds back up when the limit allows.
 */
export interface LimiterClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** Pacing never spaces requests further apart than this, whatever the server asked. */
export const MAX_INTERVAL_MS = 1000;
/** Each success shortens the spacing by this factor. */
const DECAY = 0.98;
/** A throttle (once per spacing period) widens the spacing by this factor. */
const GROWTH = 1.5;

/**
 * The request gate shared by one run: adaptive concurrency, pauses after `retry-after`, and pacing
 * once throttled
 */
export class Limiter {
  #limit: number;
  #active = 0;
  #successes = 0;
  #pausedUntil = 0;
  #interval = 0;
  #nextStart = 0;
  #lastThrottle = -Infinity;
  /** Waiters by priority: 0 first reads, 1 follow-up reads, 2 project reads (served first). */
  readonly #waiters: (() => void)[][] = [[], [], []];

  /**
   * `deadline` is the run's (ms on `clock`): past it nobody waits for a pause or a spacing slot,
   * so the requests still queued fail at once with the deadline instead of one spacing apart.
   */
  constructor(
    readonly max: number,
    readonly clock: LimiterClock,
    readonly deadline: () => number = () => Infinity,
  ) {
    this.#limit = max;
  }

  /** Current concurrency limit (for tests and verbose output). */
  get limit(): number {
    return this.#limit;
  }

  /** Current spacing between request starts in ms (0: none). */
  get interval(): number {
    return this.#interval;
  }

  /**
   * Waits for a free slot, for any throttle pause to end, and for the pacing slot. Higher
   * `priority` waiters get slots first: project reads (everything waits on them), then the next
   * pages of listings already begun (so projects finish, and can be let go, one after another).
   */
  async acquire(priority: 0 | 1 | 2 = 0): Promise<void> {
    while (this.#active >= this.#limit) {
      await new Promise<void>((resolve) => this.#waiters[priority].push(resolve));
    }
    this.#active++;
    for (;;) {
      const now = this.clock.now();
      // Past the deadline the caller fails the request at once: no pause or spacing first.
      const end = this.deadline();
      if (now >= end) return;
      if (now < this.#pausedUntil) {
        await this.clock.sleep(Math.min(this.#pausedUntil, end) - now);
        continue;
      }
      if (!this.#interval) return;
      // Claim the next start slot; a pause that began meanwhile sends us round again.
      const start = Math.max(now, this.#nextStart);
      this.#nextStart = start + this.#interval;
      if (start > now) await this.clock.sleep(Math.min(start, end) - now);
      if (this.clock.now() >= Math.min(this.#pausedUntil, this.deadline())) return;
    }
  }

  /** Frees a slot; true when a waiting request took it (it starts once this task yields). */
  release(): boolean {
    this.#active--;
    return this.#wake() > 0;
  }

  /** A request succeeded: after a limit's worth of successes, allow one more in flight. */
  success(): void {
    if (this.#interval) {
      this.#interval *= DECAY;
      if (this.#interval < 1) this.#interval = 0;
    }
    if (this.#limit >= this.max) return;
    if (++this.#successes >= this.#limit) {
      this.#successes = 0;
      this.#limit++;
      this.#wake();
    }
  }

  /** The API throttled: halve concurrency, pause everyone for `waitMs`, then pace the starts. */
  throttle(waitMs: number): void {
    const now = this.clock.now();
    this.#limit = Math.max(1, Math.floor(this.#limit / 2));
    this.#successes = 0;
    this.#pausedUntil = Math.max(this.#pausedUntil, now + waitMs);
    // Widen the spacing once per spacing period: the 429s of one burst are one signal.
    const grow = now >= this.#lastThrottle + this.#interval ? GROWTH : 1;
    this.#interval = Math.min(MAX_INTERVAL_MS, Math.max(this.#interval * grow, waitMs, 1));
    this.#lastThrottle = now;
    this.#nextStart = Math.max(this.#nextStart, this.#pausedUntil);
  }

  /** Wakes as many waiters as there are free slots, highest priority first; returns how many. */
  #wake(): number {
    let free = this.#limit - this.#active;
    let woken = 0;
    for (let p = 2; p >= 0; p--) {
      const queue = this.#waiters[p];
      while (free > 0 && queue.length) {
        free--;
        woken++;
        queue.shift()!();
      }
    }
    return woken;
  }
}
