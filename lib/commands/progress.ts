/**
 * Progress of a long read on stderr, for people at a terminal: one line rewritten in place
 * (`keydrift: read 120/300 projects`), at most every 200 ms, erased at the end. Silent when
 * stderr is not a terminal (CI logs, pipes) or with -q.
 */
import type { Io } from "./io.ts";
import { grouped } from "../core/grouped.ts";

/** At most one update per this many ms. */
const EVERY_MS = 200;

/** A progress line on stderr for a long read */
export interface Progress {
  /** One more project is read completely (found or missing); failed ones are not counted. */
  tick(): void;
  /** Erases the line (before the report and the status line). */
  done(): Promise<void>;
}

/** A progress line over `total` projects, or a silent one when `enabled` is false. */
export function progress(io: Io, total: number, enabled: boolean): Progress {
  if (!enabled || total === 0) return { tick() {}, done: () => Promise.resolve() };
  let read = 0;
  let last = -Infinity;
  let shown = false;
  let writing: Promise<void> = Promise.resolve();
  const show = () => {
    shown = true;
    const line = `\r\x1b[2Kkeydrift: read ${grouped(read)}/${grouped(total)} projects`;
    writing = writing.then(() => io.err(line)).catch(() => undefined);
  };
  return {
    tick() {
      read++;
      const now = io.deps.now();
      if (now - last >= EVERY_MS) {
        last = now;
        show();
      }
    },
    async done() {
      await writing;
      if (shown) await io.err("\r\x1b[2K").catch(() => undefined);
    },
  };
}
