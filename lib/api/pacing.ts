/**
 * The run's pacing (issue 21): one {@link EndpointPace} per endpoint (path template), the plan of
 * the read, the estimate it gives once a budget is known, and the deadline that follows it. The
 * default deadline (`--deadline` not given) grows to the plan's estimate with room to spare; an
 * explicit one that the estimate passes ends the run at once, saying so, not after the deadline.
 * What it learns it tells the run as data ({@link PaceNotice}); the command words it.
 */
import { ApiError } from "../core/errors.ts";
import type { ApiUse, BudgetSource } from "../core/types.ts";
import { grouped } from "../core/grouped.ts";
import { BUDGET_WINDOW_MS, BudgetWait, EndpointPace, type PaceEnv, type Ticket } from "./pace.ts";
import type { Limiter } from "./limiter.ts";
import { endpointOf, paceTime, type RequestPlan } from "./plan.ts";
import type { Clock } from "./transport.ts";
import type { PaceNotice, Priority } from "./contract.ts";

/** How a run paces: its clock, concurrency, `--max-rpm`, deadline, and where notices go. */
export interface PacingOptions {
  clock: Clock;
  concurrency: number;
  maxRpm: number | null;
  deadlineMs: number;
  /** Whether `--deadline` was given (else the deadline follows the plan). */
  deadlineExplicit: boolean;
  notice?: (n: PaceNotice) => void;
  log?: (message: string) => void;
}

/** A default deadline is the plan's estimate times this, plus {@link DEADLINE_SPARE_MS}. */
const DEADLINE_FACTOR = 1.5;
const DEADLINE_SPARE_MS = 60_000;
/** A new estimate is stated when it is this much later than the last one stated. */
const RESTATE_MS = 60_000;

/** The estimate of the whole read: requests it needs at least, and about how long from now. */
export interface Estimate {
  requests: number;
  ms: number;
  budget: number;
  source: BudgetSource;
}

/** Every endpoint's pacer, the plan, its estimate and the run's deadline. */
export class Pacing {
  readonly #o: PacingOptions;
  readonly #endpoints = new Map<string, EndpointPace>();
  readonly #plan = new Map<string, number>();
  readonly #startedAt: number;
  #deadlineAt: number;
  #stated = -Infinity;
  /** Set when the estimate passes an explicit deadline: the run stops with it. */
  overdue: ApiError | null = null;

  readonly #env: PaceEnv;

  constructor(o: PacingOptions) {
    this.#o = o;
    this.#startedAt = o.clock.now();
    this.#deadlineAt = this.#startedAt + o.deadlineMs;
    this.#env = {
      clock: o.clock,
      firstWave: Math.ceil(Math.max(1, o.concurrency) / 2),
      deadline: () => this.deadline(),
      changed: (e, untilMs) => this.#changed(e, untilMs),
    };
  }

  /** The run's deadline now, ms since the epoch (a default one may move later). */
  deadline(): number {
    return this.overdue ? -Infinity : this.#deadlineAt;
  }

  /** The deadline in seconds from the start, as the run's messages give it. */
  deadlineSeconds(): number {
    return Math.round((this.#deadlineAt - this.#startedAt) / 100) / 10;
  }

  /** The pacer of the endpoint `path` (a request path, without query) belongs to. */
  endpoint(path: string): EndpointPace {
    const name = endpointOf(path);
    let e = this.#endpoints.get(name);
    if (!e) {
      e = new EndpointPace(name, this.#env, this.#o.maxRpm);
      this.#endpoints.set(name, e);
    }
    return e;
  }

  /** Adds what a read needs (a plan, or one more page found); throws once it cannot finish. */
  plan(more: RequestPlan): void {
    for (const [name, n] of more) this.#plan.set(name, (this.#plan.get(name) ?? 0) + n);
    this.#replan();
    if (this.overdue) throw this.overdue;
  }

  /** The requests sent, per endpoint, for the report. */
  use(retries: number): ApiUse {
    const endpoints = [...this.#endpoints.values()].filter((e) => e.requests > 0).map((e) => ({
      endpoint: e.name,
      requests: e.requests,
      refused: e.refused,
      budget: e.budget,
      source: e.source,
    }));
    const sum = (f: (e: { requests: number; refused: number }) => number) =>
      endpoints.reduce((n, e) => n + f(e), 0);
    return { requests: sum((e) => e.requests), refused: sum((e) => e.refused), retries, endpoints };
  }

  /**
   * A request slot for a read of `path`, once its endpoint's budget lets it start: it waits for
   * the budget without a slot, then takes one, and starts unless a refusal meanwhile took its place.
   */
  async slot(
    what: string,
    path: string,
    priority: Priority,
    limiter: Limiter,
  ): Promise<{ endpoint: EndpointPace; ticket: Ticket }> {
    const endpoint = this.endpoint(path);
    for (;;) {
      if (this.overdue) throw this.overdue;
      const ticket = await endpoint.admit(priority).catch((e) => {
        throw e instanceof BudgetWait ? this.waitError(what, e, endpoint.name) : e;
      });
      await limiter.acquire(priority);
      if (endpoint.confirm(ticket)) return { endpoint, ticket };
      limiter.release();
    }
  }

  /** Logs a refusal the endpoint's budget explains (the read retries when the budget allows). */
  refused(what: string, path: string): void {
    const e = this.endpoint(path);
    this.#o.log?.(
      `the API refused ${what} (429, its budget of ${
        perMinute(e.budget!)
      } on ${e.name}); retrying when the budget allows`,
    );
  }

  /** The error for a request the budget cannot let start before the deadline. */
  waitError(what: string, e: BudgetWait, endpoint: string): ApiError {
    if (this.overdue) return this.overdue;
    const budget = e.budget === null ? "" : ` of ${perMinute(e.budget)}`;
    return new ApiError(
      `Cannot ${what}: the API's budget${budget} on ${endpoint} lets it start only in ${
        Math.ceil(e.waitMs / 1000)
      } s, past the run's deadline of ${this.deadlineSeconds()} s (--deadline)`,
    );
  }

  #changed(e: EndpointPace, untilMs: number | null): void {
    if (untilMs !== null) {
      this.#o.notice?.({ kind: "wait", endpoint: e.name, untilMs, budget: e.budget });
      return;
    }
    this.#o.log?.(
      `the API's budget on ${e.name}: ${perMinute(e.budget!)} (${
        e.source === "max-rpm" ? "--max-rpm" : "learned from its refusals"
      })`,
    );
    this.#replan();
  }

  /** The estimate of what is left, once any budget is known. */
  estimate(): Estimate | null {
    const known = [...this.#endpoints.values()].filter((e) => e.budget !== null);
    const least = Math.min(this.#o.maxRpm ?? Infinity, ...known.map((e) => e.budget!));
    if (!Number.isFinite(least)) return null;
    // An endpoint without a budget of its own is taken to have --max-rpm, else the least known.
    const fallback = this.#o.maxRpm ?? least;
    const now = this.#o.clock.now();
    let requests = 0;
    let ms = 0;
    for (const name of new Set([...this.#plan.keys(), ...this.#endpoints.keys()])) {
      const e = this.#endpoints.get(name);
      const needed = Math.max(this.#plan.get(name) ?? 0, e ? e.served + e.inFlight + e.waiting : 0);
      requests += needed;
      const budget = e?.budget ?? fallback;
      const window = e?.window(now) ?? [];
      // Requests in flight that fit the budget's window hold their places and will be served;
      // those past it (sent before the budget was learned) will be refused and go again.
      const held = e ? Math.min(e.inFlight, Math.max(0, budget - window.length)) : 0;
      const state = { budget, window, inFlight: held };
      const started = (e?.served ?? 0) + held;
      ms = Math.max(ms, paceTime(needed - started, state, now));
    }
    const source = known.some((e) => e.source === "learned") ? "learned" : "max-rpm";
    return { requests, ms, budget: least, source };
  }

  /** Restates the estimate when it grew, moves a default deadline, or finds an explicit one short. */
  #replan(): void {
    const est = this.estimate();
    if (!est || this.overdue) return;
    const now = this.#o.clock.now();
    const total = now - this.#startedAt + est.ms;
    if (total >= this.#stated + RESTATE_MS) {
      this.#stated = total;
      this.#o.notice?.({ kind: "plan", ...est });
    }
    if (!this.#o.deadlineExplicit) {
      this.#deadlineAt = Math.max(
        this.#deadlineAt,
        now + est.ms * DEADLINE_FACTOR + DEADLINE_SPARE_MS,
      );
    } else if (now + est.ms > this.#deadlineAt) {
      this.overdue = new ApiError(overdueMessage(est, this.deadlineSeconds()));
      for (const e of this.#endpoints.values()) e.recheck();
    }
  }
}

/** Why a read cannot finish before an explicit deadline, and what to do. */
export function overdueMessage(est: Estimate, deadlineS: number): string {
  return `Cannot read the Admin API within the deadline: this read needs ${
    grouped(est.requests)
  } requests or more, ${about(est.ms)} at ${perMinute(est.budget)} per endpoint (${
    est.source === "max-rpm" ? "--max-rpm" : "learned from the API's refusals"
  }), past the deadline of ${deadlineS} s (--deadline); raise --deadline or check in parts with --project`;
}

/** A budget in words: `1 request a minute`, `7 requests a minute`. */
export function perMinute(n: number): string {
  return `${n} request${n === 1 ? "" : "s"} a minute`;
}

/** A duration in words: about 45 s, about 29 minutes, about 3 hours. */
export function about(ms: number): string {
  const s = ms / 1000;
  if (s < 90) return `about ${Math.max(1, Math.round(s))} s`;
  if (s < 90 * 60) return `about ${Math.round(s / 60)} minutes`;
  return `about ${Math.round(s / 360) / 10} hours`;
}

/** The window the budget counts in, re-exported for the words of the commands. */
export { BUDGET_WINDOW_MS };
