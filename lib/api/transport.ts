/**
 * One GET, start to end: the request, the status line and the whole body, under one timer from
 * the injected clock (`--timeout`, never past the run's deadline), with a size limit that holds
 * after decompression. Redirects are never followed. Returns what came back as data; deciding
 * what it means (retry, absence, failure) is `retry.ts`'s job.
 */

import { networkProblem } from "./network_error.ts";

/** The one clock of a run: time, and waits that an abort signal can end early. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms`, or as soon as `signal` aborts (never rejects). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** A page of 100 keys is about 60 KiB; an answer over this is not a page, it is an attack. */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** What one attempt ended in. */
export type Attempt =
  | {
    kind: "response";
    status: number;
    headers: Headers;
    /** The parsed JSON body; `undefined` when the body was empty or not JSON. */
    json: unknown;
    /** False when the body was not JSON (an HTML page, a cut-off document). */
    isJson: boolean;
    /** False when the body was not valid UTF-8 (then it is neither text nor JSON). */
    isUtf8: boolean;
    /** The body's size in bytes (after decompression), counted against the run's budget. */
    bytes: number;
  }
  | { kind: "timeout"; ms: number }
  | { kind: "too_large"; bytes: number }
  | { kind: "redirect"; status: number; location: string | null }
  | { kind: "network"; message: string; notCapable: boolean }
  | { kind: "broken_body"; message: string };

/** Options for one GET attempt: the fetch and clock to use, headers, timeout and body size limit */
export interface GetOptions {
  fetch: typeof fetch;
  clock: Clock;
  headers: Record<string, string>;
  /** The timer for this attempt: request, status line and body. */
  timeoutMs: number;
  maxBytes?: number;
  /** Called with the status line and headers as soon as they arrive, before the body is read. */
  onHead?(status: number, headers: Headers): void;
}

/** Performs one GET and reads its whole body within `timeoutMs`. Never throws. */
export async function getOnce(url: URL, o: GetOptions): Promise<Attempt> {
  const abort = new AbortController();
  const stopTimer = new AbortController();
  let timedOut = false;
  const timer = o.clock.sleep(o.timeoutMs, stopTimer.signal).then(() => {
    if (stopTimer.signal.aborted) return;
    timedOut = true;
    abort.abort(new DOMException("timed out", "TimeoutError"));
  });
  try {
    const res = await raceAbort(
      o.fetch(url, { method: "GET", headers: o.headers, redirect: "manual", signal: abort.signal }),
      abort.signal,
    );
    o.onHead?.(res.status, res.headers);
    return await answer(res, o.maxBytes ?? MAX_BODY_BYTES, abort.signal);
  } catch (e) {
    if (timedOut) return { kind: "timeout", ms: o.timeoutMs };
    return failure(e);
  } finally {
    stopTimer.abort();
    await timer;
  }
}

/** What an answer is: a redirect, too large, or a response with its body read and parsed. */
async function answer(res: Response, limit: number, signal: AbortSignal): Promise<Attempt> {
  if (res.status >= 300 && res.status < 400) {
    await res.body?.cancel().catch(() => undefined);
    return { kind: "redirect", status: res.status, location: res.headers.get("location") };
  }
  const length = res.headers.get("content-length");
  const declared = length === null || !/^\d+$/.test(length.trim()) ? NaN : Number(length);
  if (Number.isFinite(declared) && declared > limit) {
    await res.body?.cancel().catch(() => undefined);
    return { kind: "too_large", bytes: declared };
  }
  // A declared length frames the body (HTTP/1.1 without transfer-encoding; HTTP/2 refuses a
  // mismatch), so without a content coding it is read in one piece. Anything else (chunked,
  // compressed, or both a length and a transfer-encoding) is read in parts, counted as it comes.
  const framed = Number.isFinite(declared) && res.headers.get("content-encoding") === null &&
    res.headers.get("transfer-encoding") === null;
  const read = { bytes: framed ? declared : 0 };
  const body = framed
    ? await readWhole(res, declared, signal)
    : await readLimited(res, limit, signal, read);
  if (typeof body === "number") return { kind: "too_large", bytes: body };
  const response = { kind: "response", status: res.status, headers: res.headers } as const;
  if (body === null) {
    return { ...response, json: undefined, isJson: false, isUtf8: false, bytes: read.bytes };
  }
  return { ...response, ...parsed(body), isUtf8: true, bytes: read.bytes };
}

/** The body as JSON, when it is JSON (an empty body is not). */
function parsed(body: string): { json: unknown; isJson: boolean } {
  if (body.trim() === "") return { json: undefined, isJson: false };
  try {
    return { json: JSON.parse(body), isJson: true };
  } catch {
    return { json: undefined, isJson: false };
  }
}

/** A request that did not get an answer: a broken body, or a network error. */
function failure(e: unknown): Attempt {
  const err = e instanceof Error ? e : new Error(String(e));
  const cause = (err as { cause?: unknown }).cause;
  const notCapable = err.name === "NotCapable" ||
    (cause instanceof Error && cause.name === "NotCapable");
  if (err instanceof BodyError) return { kind: "broken_body", message: err.message };
  return { kind: "network", message: networkProblem(err), notCapable };
}

class BodyError extends Error {}

/** The connection broke mid-body: what the reader threw, as the reason for a retry. */
function broken(e: unknown): BodyError {
  return new BodyError(
    `the connection broke while reading the answer (${
      firstLine(e instanceof Error ? e.message : String(e))
    })`,
  );
}

/**
 * `bytes` as UTF-8 text, or null when they are not valid UTF-8: never a U+FFFD put in place of
 * bytes the server sent (a key name read that way would be a change that is not there).
 */
function utf8(bytes: BufferSource): string | null {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

/** The whole body of a framed answer (`length` bytes, within the limit) as text (null: not UTF-8). */
async function readWhole(
  res: Response,
  length: number,
  signal: AbortSignal,
): Promise<string | null> {
  let bytes: ArrayBuffer;
  try {
    bytes = await raceAbort(res.arrayBuffer(), signal);
  } catch (e) {
    if (signal.aborted) throw signal.reason;
    throw broken(e);
  }
  if (bytes.byteLength !== length) {
    throw new BodyError(
      `the answer is ${bytes.byteLength} bytes, not the ${length} its content-length says`,
    );
  }
  return utf8(bytes);
}

/**
 * The body as text (null: not UTF-8; its size in `read` either way), or its size so far once it
 * passes `limit` bytes.
 */
async function readLimited(
  res: Response,
  limit: number,
  signal: AbortSignal,
  read: { bytes: number },
): Promise<string | number | null> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const onAbort = () => void reader.cancel().catch(() => undefined);
  signal.addEventListener("abort", onAbort, { once: true });
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      let part: ReadableStreamReadResult<Uint8Array>;
      try {
        part = await reader.read();
      } catch (e) {
        if (signal.aborted) throw signal.reason;
        throw broken(e);
      }
      if (signal.aborted) throw signal.reason;
      if (part.done) break;
      size += part.value.byteLength;
      if (size > limit) {
        await reader.cancel().catch(() => undefined);
        return size;
      }
      chunks.push(part.value);
    }
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
  read.bytes = size;
  return utf8(joined(chunks, size));
}

/** The chunks as one array of `size` bytes. */
function joined(chunks: readonly Uint8Array[], size: number): Uint8Array<ArrayBuffer> {
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.byteLength;
  }
  return all;
}

/** `promise`, or a rejection as soon as `signal` aborts (for fetches that ignore the signal). */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (v) => (signal.removeEventListener("abort", onAbort), resolve(v)),
      (e) => (signal.removeEventListener("abort", onAbort), reject(e)),
    );
  });
}

/** The first line of a message, at most 300 characters. */
export function firstLine(s: string): string {
  return s.split(/\r\n|\r|\n/)[0].slice(0, 300);
}
