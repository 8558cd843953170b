/**
 * What pacing tells a run (issue 21), said on stderr: the estimate of the read once the Admin
 * API's budget is known (`keydrift: this read needs 204 requests or more, about 29 minutes at 7
 * requests a minute per endpoint ...`), and waits for the budget on the progress line. Nothing
 * with -q.
 */
import type { Io } from "./io.ts";
import type { Progress } from "./progress.ts";
import type { PaceNotice } from "../api/contract.ts";
import { about, perMinute } from "../api/pacing.ts";
import { grouped } from "../core/grouped.ts";

/** The run's notices: written to stderr, above the progress line while there is one. */
export class Notices {
  #progress: Progress | null = null;

  constructor(readonly io: Io, readonly quiet: boolean) {}

  /** The progress line waits are shown on, and lines are written above (null: none now). */
  attach(p: Progress | null): void {
    this.#progress = p;
  }

  /** Says one notice (a log line never changes the outcome: a failed write is dropped). */
  readonly notice = (n: PaceNotice): void => {
    if (this.quiet) return;
    if (n.kind === "wait") return this.#progress?.wait(n.untilMs, n.budget);
    const line = `keydrift: ${planWords(n)}\n`;
    void (this.#progress ? this.#progress.above(line) : this.io.err(line).catch(() => undefined));
  };
}

/** The estimate of a read in words. */
export function planWords(n: Extract<PaceNotice, { kind: "plan" }>): string {
  const source = n.source === "max-rpm" ? "--max-rpm" : "learned from the API's refusals";
  const per = `${perMinute(n.budget)} per endpoint (${source})`;
  const when = n.ms < 1000 ? `within the budget of ${per}` : `${about(n.ms)} at ${per}`;
  return `this read needs ${grouped(n.requests)} requests or more, ${when}`;
}
