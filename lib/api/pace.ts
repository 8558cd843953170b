/**
 * Pacing to the Admin API's budget, one endpoint (path template) at a time (issue 21). The real
 * API serves about 7 to 10 requests a minute per endpoint and refuses the rest with a 429 that
 * carries no `retry-after` and no `x-ratelimit-*` header. Each endpoint here keeps:
 *
 * - its budget: requests per {@link BUDGET_WINDOW_MS}, set up front by `--max-rpm`, or learned
 *   from its first refusal (the requests it served in the window before it refused), and lowered
 *   by one when a request sent within the budget is refused all the same;
 * - a sliding log of when it answered each request it served: a request starts only while fewer
 *   than the budget were answered in the last window (answer times, which follow the server's
 *   decision, so the log never runs ahead of the server's own);
 * - a `retry-after` it was asked to honour (no request before it);
 * - before any budget is known, two waves: half the concurrency, then the whole of it, each sent
 *   only once the wave before it is answered in full, then no limit but the concurrency's. A
 *   budget a wave passes is learned from that wave's refusals alone: no request goes out on the
 *   answer of one that was admitted beside a refused one. Without a budget the waves cost about
 *   one round trip, once per endpoint.
 *
 * Requests wait here without holding a request slot, highest priority first. Pure: the clock is
 * injected; nothing here reads or writes anything else.
 */
import type { Clock } from "./transport.ts";
import type { Priority } from "./contract.ts";
import type { BudgetSource } from "../core/types.ts";

/** The window a budget counts in: the real API's bucket refills after about a minute. */
export const BUDGET_WINDOW_MS = 60_000;

export type { BudgetSource } from "../core/types.ts";

/** One request's place at an endpoint: admitted, in flight, then settled once. */
export interface Ticket {
  /** The budget when it was admitted (null: none known yet). */
  budget: number | null;
  /** The endpoint's refusal count when it was admitted (a refusal since calls for a check). */
  epoch: number;
  settled: boolean;
}

/** What an endpoint's pacer needs from its run. */
export interface PaceEnv {
  clock: Clock;
  /** The first of the two waves an endpoint gets while no budget is known (the second is twice it). */
  firstWave: number;
  /** The run's deadline now (ms since the epoch); it may move while a request waits. */
  deadline(): number;
  /** The endpoint's budget changed, or its waiters now wait until `untilMs`. */
  changed(e: EndpointPace, untilMs: number | null): void;
}

/** A request that cannot start before the deadline: how long it would have to wait. */
export class BudgetWait extends Error {
  constructor(readonly waitMs: number, readonly budget: number | null) {
    super(`the budget leaves no room for ${Math.round(waitMs / 1000)} s`);
    this.name = "BudgetWait";
  }
}

interface Waiter {
  priority: Priority;
  seq: number;
  resolve(t: Ticket): void;
  reject(e: BudgetWait): void;
}

/** One endpoint's budget, in-flight requests, answer log and queue. */
export class EndpointPace {
  /** Requests per window, when known. */
  budget: number | null;
  source: BudgetSource | null;
  /** Requests sent (confirmed), and refused with a 429, at this endpoint. */
  requests = 0;
  refused = 0;
  /** Requests this endpoint served (answered with anything but a 429). */
  served = 0;
  #inFlight = 0;
  #epoch = 0;
  /** Answer times of served requests, oldest first, from `#start` on. */
  #log: number[] = [];
  #start = 0;
  #closedUntil = 0;
  #queue: Waiter[] = [];
  #seq = 0;
  #timer: { at: number; stop: AbortController } | null = null;
  /** While no budget is known: the wave (1, 2; 3 is no wave), and how many of it were sent. */
  #wave = 1;
  #waveSent = 0;

  constructor(readonly name: string, readonly env: PaceEnv, maxRpm: number | null) {
    this.budget = maxRpm;
    this.source = maxRpm === null ? null : "max-rpm";
  }

  /** Requests admitted and not yet answered. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Requests waiting for the budget. */
  get waiting(): number {
    return this.#queue.length;
  }

  /** Answer times of the requests served in the last window, oldest first. */
  window(now: number): number[] {
    while (this.#start < this.#log.length && this.#log[this.#start] <= now - BUDGET_WINDOW_MS) {
      this.#start++;
    }
    if (this.#start > 1024 && this.#start * 2 > this.#log.length) {
      this.#log = this.#log.slice(this.#start);
      this.#start = 0;
    }
    return this.#log.slice(this.#start);
  }

  /** Waits until the budget lets one more request start, and reserves its place. */
  admit(priority: Priority): Promise<Ticket> {
    if (!this.#queue.length && this.#room(this.env.clock.now()) === 0) {
      return Promise.resolve(this.#reserve());
    }
    return new Promise<Ticket>((resolve, reject) => {
      this.#queue.push({ priority, seq: this.#seq++, resolve, reject });
      this.#queue.sort((a, b) => b.priority - a.priority || a.seq - b.seq);
      this.#pump();
    });
  }

  /**
   * Whether an admitted request may still start (it has just got a request slot): false when a
   * refusal since its admission leaves no room for it (its place is then given up).
   */
  confirm(t: Ticket): boolean {
    if (t.epoch !== this.#epoch) {
      this.#inFlight--;
      this.#waveSent--;
      if (this.#room(this.env.clock.now()) !== 0) return (t.settled = true, false);
      this.#inFlight++;
      this.#waveSent++;
      t.epoch = this.#epoch;
    }
    this.requests++;
    return true;
  }

  /** The request was not sent after all: its place is given back. */
  cancel(t: Ticket): void {
    if (t.settled) return;
    t.settled = true;
    this.#inFlight--;
    this.#waveSent--;
    this.requests--;
    this.#pump();
  }

  /**
   * The request's answer is in: `status` 429 is a refusal (`retryAfterMs` what it asked, if
   * anything), anything else (or null: no answer, which may have reached the server) was served.
   * Returns true for a refusal the budget explains: the request waits for the budget and retries.
   */
  settle(t: Ticket, status: number | null, retryAfterMs: number | null): boolean {
    if (t.settled) return false;
    t.settled = true;
    this.#inFlight--;
    const now = this.env.clock.now();
    const budget = status === 429 ? this.#refusal(t, now, retryAfterMs) : this.#served(t, now);
    this.#pump();
    return budget;
  }

  #served(t: Ticket, now: number): boolean {
    this.served++;
    this.#log.push(now);
    // A request of the burst the budget was learned from: the budget is at least what it served.
    if (this.source === "learned" && t.budget === null) {
      const seen = this.window(now).length;
      if (seen > this.budget!) this.#setBudget(seen, "learned");
    }
    return false;
  }

  #refusal(t: Ticket, now: number, retryAfterMs: number | null): boolean {
    this.refused++;
    this.#epoch++;
    if (retryAfterMs !== null) {
      this.#closedUntil = Math.max(this.#closedUntil, now + retryAfterMs);
      return false;
    }
    if (this.budget === null) {
      const seen = this.window(now).length;
      // Refused before serving anything: not a budget, an endpoint that refuses (retried apart).
      if (seen === 0) return false;
      this.#setBudget(seen, "learned");
    } else if (t.budget !== null && t.budget === this.budget && this.budget > 1) {
      // Refused within the budget: the API has taught it is smaller than believed.
      this.#setBudget(this.budget - 1, "learned");
    }
    // Whatever the log says, the endpoint is full now: nothing more for a budget's spacing.
    this.#closedUntil = Math.max(this.#closedUntil, now + BUDGET_WINDOW_MS / this.budget!);
    return true;
  }

  #setBudget(n: number, source: BudgetSource): void {
    this.budget = n;
    this.source = source;
    this.env.changed(this, null);
  }

  #reserve(): Ticket {
    this.#inFlight++;
    this.#waveSent++;
    return { budget: this.budget, epoch: this.#epoch, settled: false };
  }

  /** 0 when one more request may start now; else ms to wait (Infinity: until an answer). */
  #room(now: number): number {
    if (now < this.#closedUntil) return this.#closedUntil - now;
    if (this.budget === null) return this.#waveRoom();
    const served = this.window(now);
    // How many of the window's answers must leave it before one more may start.
    const over = served.length + this.#inFlight - this.budget + 1;
    if (over <= 0) return 0;
    if (over > served.length) return Infinity;
    return served[over - 1] + BUDGET_WINDOW_MS - now;
  }

  /** Room while no budget is known: within the wave, or once it is answered, the next one. */
  #waveRoom(): number {
    if (this.#wave > 2) return 0;
    if (this.#waveSent < this.env.firstWave * this.#wave) return 0;
    if (this.#inFlight > 0) return Infinity;
    this.#wave++;
    this.#waveSent = 0;
    return 0;
  }

  /** Looks at the waiters again (the deadline moved). */
  recheck(): void {
    this.#pump();
  }

  /** Lets waiters start while there is room; when time is what they wait for, a timer. */
  #pump(): void {
    const now = this.env.clock.now();
    while (this.#queue.length) {
      const wait = this.#room(now);
      if (wait === 0) {
        this.#queue.shift()!.resolve(this.#reserve());
        continue;
      }
      if (wait === Infinity) break;
      if (now + wait > this.env.deadline()) {
        for (const w of this.#queue.splice(0)) w.reject(new BudgetWait(wait, this.budget));
        break;
      }
      return this.#wake(now + wait);
    }
    this.#stopTimer();
  }

  #wake(at: number): void {
    if (this.#timer?.at === at) return;
    this.#stopTimer();
    const stop = new AbortController();
    this.#timer = { at, stop };
    this.env.changed(this, at);
    this.env.clock.sleep(Math.max(0, at - this.env.clock.now()), stop.signal).then(() => {
      if (stop.signal.aborted) return;
      this.#timer = null;
      this.#pump();
    });
  }

  #stopTimer(): void {
    this.#timer?.stop.abort();
    this.#timer = null;
  }
}
