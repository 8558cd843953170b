/**
 * Progress of a long read on stderr, for people at a terminal: one line rewritten in place
 * (`keydrift: read 120/300 projects`), at most every 200 ms, erased at the end; while requests
 * wait for the Admin API's budget, it says how long (`, waiting 58 s for the API's budget`).
 * Silent when stderr is not a terminal (CI logs, pipes) or with -q.
 */
import type { Io } from "./io.ts";
import { grouped } from "../core/grouped.ts";
import { perMinute } from "../api/pacing.ts";

/** At most one update per this many ms. */
const EVERY_MS = 200;

/** A progress line on stderr for a long read */
export interface Progress {
  /** One more project is read completely (found or missing); failed ones are not counted. */
  tick(): void;
  /** Requests wait for the API's budget until `untilMs` (its `budget` a minute, when known). */
  wait(untilMs: number, budget: number | null): void;
  /** Writes `line` (a whole line) above the progress line, which comes back on the next update. */
  above(line: string): Promise<void>;
  /** Erases the line (before the report and the status line). */
  done(): Promise<void>;
}

/** A progress line over `total` projects, or a silent one when `enabled` is false. */
export function progress(io: Io, total: number, enabled: boolean): Progress {
  if (!enabled || total === 0) {
    const above = (line: string) => io.err(line).catch(() => undefined);
    return { tick() {}, wait() {}, above, done: () => Promise.resolve() };
  }
  return new ProgressLine(io, total);
}

/** The line itself: what it counts, when it was last drawn, and the wait it shows. */
class ProgressLine implements Progress {
  #read = 0;
  #last = -Infinity;
  #shown = false;
  #waiting: { until: number; budget: number | null } | null = null;
  #writing: Promise<void> = Promise.resolve();

  constructor(readonly io: Io, readonly total: number) {}

  tick(): void {
    this.#read++;
    const now = this.io.deps.now();
    if (now - this.#last >= EVERY_MS) {
      this.#last = now;
      this.#show();
    }
  }

  wait(until: number, budget: number | null): void {
    this.#waiting = { until, budget };
    this.#last = this.io.deps.now();
    this.#show();
  }

  above(line: string): Promise<void> {
    const erase = this.#shown ? "\r\x1b[2K" : "";
    this.#shown = false;
    return this.#write(`${erase}${line}`);
  }

  async done(): Promise<void> {
    await this.#writing;
    if (this.#shown) await this.io.err("\r\x1b[2K").catch(() => undefined);
  }

  #show(): void {
    this.#shown = true;
    const left = this.#waiting ? this.#waiting.until - this.io.deps.now() : 0;
    const budget = this.#waiting?.budget;
    const per = budget ? ` (${perMinute(budget)})` : "";
    const wait = left > 0 ? `, waiting ${Math.ceil(left / 1000)} s for the API's budget${per}` : "";
    const count = `${grouped(this.#read)}/${grouped(this.total)}`;
    this.#write(`\r\x1b[2Kkeydrift: read ${count} projects${wait}`);
  }

  #write(text: string): Promise<void> {
    this.#writing = this.#writing.then(() => this.io.err(text)).catch(() => undefined);
    return this.#writing;
  }
}
