/**
 * Pacing to the Admin API's budget, one endpoint at a time (lib/api/pace.ts, issue 21), and the
 * plan's arithmetic (lib/api/plan.ts, read_plan.ts), in virtual time.
 */
import { deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
import { BudgetWait, EndpointPace, type PaceEnv, type Ticket } from "../lib/api/pace.ts";
import { endpointOf, ENDPOINTS, paceTime } from "../lib/api/plan.ts";
import { planRead } from "../lib/api/read_plan.ts";
import { Pacing } from "../lib/api/pacing.ts";
import { virtualClock } from "./_helpers.ts";

const MINUTE = 60_000;

function endpoint(o: { maxRpm?: number; firstWave?: number; deadline?: number } = {}) {
  const clock = virtualClock(0);
  const changes: (number | null)[] = [];
  const env: PaceEnv = {
    clock,
    firstWave: o.firstWave ?? 100,
    deadline: () => o.deadline ?? Infinity,
    changed: (_e, until) => void changes.push(until),
  };
  return { clock, e: new EndpointPace("/x", env, o.maxRpm ?? null), changes };
}

/** Admits and confirms a request, as the client does once it has a request slot. */
async function start(e: EndpointPace, priority: 0 | 1 | 2 = 0): Promise<Ticket> {
  const t = await e.admit(priority);
  ok(e.confirm(t));
  return t;
}

Deno.test("pace: the budget is learned from the first refusal: what the endpoint served in the window before it", async () => {
  const { e } = endpoint();
  const served = await Promise.all([1, 2, 3, 4].map(() => start(e)));
  const refused = await start(e);
  for (const t of served) assertEquals(e.settle(t, 200, null), false);
  assertEquals(e.budget, null);
  assertEquals(e.settle(refused, 429, null), true, "a refusal the budget explains");
  assertEquals([e.budget, e.source, e.refused], [4, "learned", 1]);
});

Deno.test("pace: a request starts only while fewer than the budget were answered in the last window", async () => {
  const { clock, e } = endpoint({ maxRpm: 2 });
  const a = await start(e);
  await clock.sleep(1000);
  e.settle(a, 200, null); // answered at 1 s
  const b = await start(e);
  await clock.sleep(9000);
  e.settle(b, 200, null); // answered at 10 s
  const starts: number[] = [];
  await Promise.all([0, 1, 2].map(async () => {
    const t = await start(e);
    starts.push(clock.now());
    e.settle(t, 200, null);
  }));
  // A window after each answer (not each start): 61 s, 70 s, then a window after the 61 s one.
  assertEquals(starts, [MINUTE + 1000, MINUTE + 10_000, 2 * MINUTE + 1000]);
});

Deno.test("pace: answers of the learning burst that come after the refusal raise the budget to what was served", async () => {
  const { e } = endpoint();
  const burst = await Promise.all([1, 2, 3, 4, 5, 6].map(() => start(e)));
  e.settle(burst[0], 200, null);
  e.settle(burst[5], 429, null);
  assertEquals(e.budget, 1);
  for (const t of burst.slice(1, 5)) e.settle(t, 200, null);
  assertEquals(e.budget, 5);
});

Deno.test("pace: a refusal within a learned budget lowers it by one; more refusals of the burst sent before it do not", async () => {
  const { clock, e } = endpoint();
  const burst = await Promise.all([1, 2, 3, 4].map(() => start(e)));
  for (const t of burst.slice(0, 3)) e.settle(t, 200, null);
  e.settle(burst[3], 429, null);
  assertEquals(e.budget, 3);
  await clock.sleep(MINUTE);
  const paced = await Promise.all([1, 2, 3].map(() => start(e)));
  e.settle(paced[0], 200, null);
  e.settle(paced[1], 429, null);
  e.settle(paced[2], 429, null);
  assertEquals([e.budget, e.source], [2, "learned"]);
});

Deno.test("pace: a refusal before the endpoint served anything is not a budget (it is retried as any 429)", async () => {
  const { e } = endpoint();
  const t = await start(e);
  assertEquals(e.settle(t, 429, null), false);
  assertEquals(e.budget, null);
});

Deno.test("pace: with no budget known, an endpoint gets two waves, each only once the one before is answered, then no limit", async () => {
  const { e } = endpoint({ firstWave: 2 });
  const waiting = (t: Promise<Ticket>) => {
    const seen = { ticket: null as Ticket | null };
    t.then((x) => (seen.ticket = x));
    return seen;
  };
  const first = [await start(e), await start(e)];
  const third = waiting(e.admit(0));
  await Promise.resolve();
  assertEquals(third.ticket, null, "a third before the first wave is answered");
  e.settle(first[0], 200, null);
  await Promise.resolve();
  assertEquals(third.ticket, null, "a third while the first wave is half answered");
  e.settle(first[1], 200, null);
  await new Promise((r) => setTimeout(r, 0));
  ok(third.ticket, "the second wave starts once the first is answered");
  // The second wave is twice the first; a fifth waits for all four of it.
  const second = [third.ticket!, await e.admit(0), await e.admit(0), await e.admit(0)];
  const fifth = waiting(e.admit(0));
  for (const t of second.slice(0, 3)) e.settle(t, 200, null);
  await new Promise((r) => setTimeout(r, 0));
  assertEquals(fifth.ticket, null, "an answer of the wave lets nothing out before the rest");
  e.settle(second[3], 200, null);
  await new Promise((r) => setTimeout(r, 0));
  ok(fifth.ticket);
  // Past the two waves, nothing but the concurrency limits it.
  const many = await Promise.all(Array.from({ length: 20 }, () => e.admit(0)));
  assertEquals(many.length, 20);
});

Deno.test("pace: a place admitted before a refusal is given up when the refusal leaves no room", async () => {
  const { e } = endpoint();
  const burst = await Promise.all([1, 2, 3].map(() => start(e)));
  const late = await e.admit(0); // admitted, still waiting for a request slot
  e.settle(burst[0], 200, null);
  e.settle(burst[1], 200, null);
  e.settle(burst[2], 429, null);
  assertEquals(e.budget, 2);
  assertEquals(e.confirm(late), false);
  assertEquals(e.inFlight, 0);
  assertEquals(e.requests, 3);
});

Deno.test("pace: a wait past the deadline rejects the waiting requests with how long they would wait", async () => {
  const { e } = endpoint({ maxRpm: 1, deadline: 30_000 });
  e.settle(await start(e), 200, null);
  await rejects(e.admit(0), (err) => err instanceof BudgetWait && err.waitMs === MINUTE);
  assertEquals(e.waiting, 0);
});

Deno.test("pace: waiters start by priority, then in order of arrival", async () => {
  const { clock, e } = endpoint({ maxRpm: 1 });
  e.settle(await start(e), 200, null);
  const order: string[] = [];
  const wait = (name: string, p: 0 | 1 | 2) =>
    e.admit(p).then((t) => {
      ok(e.confirm(t));
      order.push(name);
      e.settle(t, 200, null);
    });
  await Promise.all([wait("first A", 0), wait("first B", 0), wait("page", 1), wait("project", 2)]);
  assertEquals(order, ["project", "page", "first A", "first B"]);
  assertEquals(clock.now(), 4 * MINUTE);
});

Deno.test("pace: a retry-after closes the endpoint until it ends, without learning a budget", async () => {
  const { clock, e, changes } = endpoint();
  e.settle(await start(e), 200, null);
  assertEquals(e.settle(await start(e), 429, 5000), false);
  assertEquals(e.budget, null);
  await start(e);
  assertEquals(clock.now(), 5000);
  ok(changes.includes(5000), "the wait is announced");
});

Deno.test("paceTime() is the budget's bound: the first N at once, then N a window", () => {
  const fresh = { budget: 7, window: [], inFlight: 0 };
  assertEquals(paceTime(7, fresh, 0), 0);
  assertEquals(paceTime(8, fresh, 0), MINUTE);
  assertEquals(paceTime(15, fresh, 0), 2 * MINUTE);
  assertEquals(paceTime(200, fresh, 0), 28 * MINUTE);
  // Places taken: each frees a window after its answer.
  assertEquals(paceTime(1, { budget: 2, window: [1000, 10_000], inFlight: 0 }, 20_000), 41_000);
  // One in flight: its place frees a window after it is answered (now, at the soonest).
  assertEquals(paceTime(1, { budget: 2, window: [1000], inFlight: 1 }, 20_000), 41_000);
  assertEquals(paceTime(2, { budget: 2, window: [1000], inFlight: 1 }, 20_000), MINUTE);
});

Deno.test("planRead() counts the first page of every listing, and endpointOf() names paths as the spec does", () => {
  assertEquals(
    planRead({ projects: 15, adminKeys: true, attribute: true, usage: false }),
    new Map([[ENDPOINTS.projects, 1], [ENDPOINTS.keys, 15], [ENDPOINTS.adminKeys, 1], [
      ENDPOINTS.auditLogs,
      1,
    ]]),
  );
  assertEquals(
    planRead({ projects: 2, adminKeys: false, attribute: false, usage: true }),
    new Map([[ENDPOINTS.project, 2], [ENDPOINTS.keys, 2], [ENDPOINTS.usage, 1]]),
  );
  assertEquals(endpointOf("/organization/projects/proj_1/api_keys/key_2"), ENDPOINTS.key);
  assertEquals(endpointOf("/organization/projects/proj_1"), ENDPOINTS.project);
  assertEquals(endpointOf("/organization/admin_api_keys/k"), ENDPOINTS.adminKey);
  assertEquals(endpointOf("/organization/usage/completions"), ENDPOINTS.usage);
});

Deno.test("pacing: the estimate counts a request in flight within the budget once, and one past a learned budget again", async () => {
  const clock = virtualClock(0);
  const o = { clock, concurrency: 8, deadlineMs: 300_000, deadlineExplicit: false };
  const known = new Pacing({ ...o, maxRpm: 7 });
  known.plan(new Map([[ENDPOINTS.keys, 7]]));
  const k = known.endpoint("/organization/projects/p1/api_keys");
  await Promise.all([1, 2, 3, 4, 5].map(() => start(k)));
  // 5 in flight and 2 more: the 7 of the first minute, nothing to wait for.
  assertEquals([known.estimate()?.requests, known.estimate()?.ms], [7, 0]);

  const learned = new Pacing({ ...o, maxRpm: null });
  learned.plan(new Map([[ENDPOINTS.keys, 15]]));
  const e = learned.endpoint("/organization/projects/p1/api_keys");
  for (const t of await Promise.all([1, 2, 3, 4].map(() => start(e)))) e.settle(t, 200, null);
  const second = await Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map(() => start(e)));
  for (const t of second.slice(0, 3)) e.settle(t, 200, null);
  e.settle(second[3], 429, null);
  assertEquals(e.budget, 7);
  // 7 served; the 4 still in flight were sent past the budget and will go again: 8 more to
  // start, 7 of them a minute on and the last a minute after.
  assertEquals([learned.estimate()?.requests, learned.estimate()?.ms], [15, 2 * MINUTE]);
});
