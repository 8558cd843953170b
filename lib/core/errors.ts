/** Error classes for the problems users can meet. Each subclasses the closest built-in. */
import type { SourceLocation } from "./types.ts";

/** One located problem in a manifest. */
export interface ManifestProblem extends SourceLocation {
  message: string;
  /** Set on the one line that stands for this many problems left out (a file's past 50). */
  omitted?: number;
}

/** Formats a located problem as `file:line:col: message`. */
export function formatProblem(p: ManifestProblem): string {
  return `${p.file}:${p.line}:${p.column}: ${p.message}`;
}

/** A manifest (or state file) that cannot be used; carries every problem found in one run. */
export class ManifestError extends SyntaxError {
  readonly problems: ManifestProblem[];
  constructor(problems: ManifestProblem[]) {
    super(problems.map(formatProblem).join("\n"));
    this.name = "ManifestError";
    this.problems = problems;
  }
}

/** Bad command-line usage: exit 1 with a one-line message and a usage hint. */
export class UsageError extends TypeError {
  readonly command: string;
  constructor(message: string, command = "") {
    super(message);
    this.name = "UsageError";
    this.command = command;
  }
}

/**
 * A file or setting keydrift cannot use (a manifest that cannot be read, a report that cannot be
 * written, a missing admin key): exit 1 with a one-line message that says what to do, and no
 * usage hint (the command was called right).
 */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InputError";
  }
}

/** A failed Admin API read (after retries). */
export class ApiError extends Error {
  readonly status: number | null;
  readonly code: string | null;
  readonly requestId: string | null;
  /** True when the API said the object read does not exist (a 404 with its error envelope). */
  readonly absent: boolean;
  constructor(
    message: string,
    opts: {
      status?: number | null;
      code?: string | null;
      requestId?: string | null;
      absent?: boolean;
    } = {},
  ) {
    super(message);
    this.name = "ApiError";
    this.status = opts.status ?? null;
    this.code = opts.code ?? null;
    this.requestId = opts.requestId ?? null;
    this.absent = opts.absent ?? false;
  }
}

/** Edit distance, for did-you-mean suggestions. */
export function levenshtein(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length];
}

/** The closest candidate to `word`, when one is close enough to be a likely typo. */
export function didYouMean(word: string, candidates: readonly string[]): string | null {
  let best: string | null = null;
  let bestScore = Infinity;
  for (const c of candidates) {
    const d = c.startsWith(word) || word.startsWith(c) ? 1 : levenshtein(word, c);
    if (d < bestScore) [best, bestScore] = [c, d];
  }
  return best !== null && bestScore <= Math.max(2, Math.floor(word.length / 3)) ? best : null;
}

/** Suffix ` (did you mean "x"?)` or empty. */
export function suggestion(word: string, candidates: readonly string[]): string {
  const m = didYouMean(word, candidates);
  return m ? ` (did you mean "${m}"?)` : "";
}

/**
 * What the operating system's EACCES means for a file (Deno's PermissionDenied): its mode or owner
 * refuses this user. Not Deno's sandbox, whose refusal is NotCapable (a missing --allow flag).
 */
export const OS_DENIED =
  "permission denied by the file system (its mode or owner does not let this user in; see ls -l)";

/**
 * Why a file operation failed, for a message: `no such file`, a missing `--allow-*` flag (Deno's
 * NotCapable), the file system's own refusal (EACCES, Deno's PermissionDenied), …
 */
export function fileProblem(e: unknown, allowFlag?: string): string {
  const name = (e as Error)?.name;
  if (name === "NotFound") return "no such file";
  if (name === "NotCapable") {
    return allowFlag ? `permission denied (allow it with ${allowFlag})` : "permission denied";
  }
  if (name === "PermissionDenied") return OS_DENIED;
  if (name === "IsADirectory") return "it is a directory";
  return "unreadable";
}
