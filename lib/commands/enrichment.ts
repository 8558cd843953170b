/**
 * The one IO step of `check`'s enrichment (SPEC 10.5, 11.3): one batched audit-log query, and the
 * usage of every per-key family and the costs (`api/usage.ts`) for the keys the assessment says
 * need them (each split only to stay within the URL budget), through the client the command
 * already holds; nothing for a read no key needs, and
 * nothing at all when the check did not complete. What came back, or why it failed, is data for
 * `enrich`; nothing here throws but a programming error.
 */
import type { ApiCore } from "../api/client.ts";
import { readKeyEvents } from "../api/audit.ts";
import { readKeyUsage, usageWindow } from "../api/usage.ts";
import { readFailure } from "../api/enrich.ts";
import type { Assessment } from "../assess/assessment.ts";
import { auditSince, type EnrichData, type EnrichRequest, wantedKeys } from "../enrich/enrich.ts";

/**
 * Reads what `req` asks for the keys of `a` that need it, through the client's core (absent in
 * test doubles: then nothing is read); `now` is the clock in ms.
 */
export async function readEnrichment(
  core: ApiCore | undefined,
  a: Assessment,
  req: EnrichRequest,
  now: number,
): Promise<EnrichData> {
  const out: EnrichData = {};
  if (a.errors.length || !core || (!req.attribute && req.usageDays === null)) return out;
  const want = wantedKeys(a);
  const jobs: Promise<void>[] = [];
  if (req.attribute) {
    const since = auditSince(a, want.attribution);
    if (!want.attribution.length) {
      out.attribution = { events: { byKey: new Map(), noEvent: [], unknown: new Map() }, since };
    } else {
      jobs.push(
        readKeyEvents(core, { keyIds: want.attribution, since, now }).then(
          (events) => void (out.attribution = { events, since }),
          (e) => void (out.attribution = { error: readFailure(e) }),
        ),
      );
    }
  }
  if (req.usageDays !== null) {
    const days = req.usageDays;
    if (!want.usage.length) {
      out.usage = { days, read: { window: usageWindow(days, now), keys: new Map(), failures: [] } };
    } else {
      jobs.push(
        readKeyUsage(core, { keyIds: want.usage, days, now }).then(
          (read) => void (out.usage = { days, read }),
          (e) => void (out.usage = { days, error: readFailure(e) }),
        ),
      );
    }
  }
  await Promise.all(jobs);
  return out;
}
