import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { Limiter, MAX_INTERVAL_MS } from "../lib/api/limiter.ts";
import { virtualClock } from "./_helpers.ts";

Deno.test("limiter: a throttle halves concurrency and pauses everyone; successes restore both", async () => {
  const clock = virtualClock(0);
  const l = new Limiter(8, clock);
  l.throttle(200);
  assertEquals([l.limit, l.interval], [4, 200]);
  // Six workers ask at once: only four (the halved limit) get slots, and none before the pause.
  const started: number[] = [];
  const workers = Array.from({ length: 6 }, () =>
    l.acquire().then(() => {
      started.push(clock.now());
    }));
  await clock.sleep(5000);
  assertEquals(started.length, 4);
  ok(started.every((t) => t >= 200), `started at ${started} during the pause`);
  for (let i = 0; i < 4; i++) l.release();
  await Promise.all(workers);
  assertEquals(started.length, 6);
  l.release();
  l.release();
  for (let i = 0; i < 400; i++) l.success();
  assertEquals([l.limit, l.interval], [8, 0]);
});

Deno.test("limiter: once throttled, starts are spaced by the interval, in order", async () => {
  const clock = virtualClock(0);
  const l = new Limiter(8, clock);
  l.throttle(100);
  const starts: number[] = [];
  await Promise.all([0, 1, 2, 3].map(async () => {
    await l.acquire();
    starts.push(clock.now());
    l.release();
  }));
  assertEquals(starts, [100, 200, 300, 400]);
});

Deno.test("limiter: the 429s of one burst widen the spacing once; it never exceeds the cap", () => {
  const clock = virtualClock(0);
  const l = new Limiter(8, clock);
  for (let i = 0; i < 8; i++) l.throttle(100);
  assertEquals(l.interval, 100);
  assertEquals(l.limit, 1);
  const later = new Limiter(8, { now: () => 10_000_000, sleep: clock.sleep });
  for (let i = 0; i < 50; i++) later.throttle(59_000);
  assertEquals(later.interval, MAX_INTERVAL_MS);
});

Deno.test("limiter: project reads, then follow-up pages, get free slots before first reads", async () => {
  const clock = virtualClock(0);
  const l = new Limiter(1, clock);
  await l.acquire();
  const order: string[] = [];
  const wait = (name: string, priority: 0 | 1 | 2) =>
    l.acquire(priority).then(() => {
      order.push(name);
      l.release();
    });
  const all = [wait("first A", 0), wait("first B", 0), wait("next page", 1), wait("project", 2)];
  l.release();
  await Promise.all(all);
  assertEquals(order, ["project", "next page", "first A", "first B"]);
});

Deno.test("limiter: release() is true only when a waiting request took the freed slot", async () => {
  const l = new Limiter(1, virtualClock(0));
  await l.acquire();
  assertEquals(l.release(), false, "nobody waits");
  await l.acquire();
  const second = l.acquire(1);
  assertEquals(l.release(), true, "the waiting request takes the slot");
  await second;
  assertEquals(l.release(), false);
});

Deno.test("limiter: past the run's deadline, queued requests get their slots at once, not one spacing apart", async () => {
  const clock = virtualClock(0);
  const l = new Limiter(1, clock, () => 1_000);
  l.throttle(1000); // spacing of 1 s, one at a time: twelve waiters would take twelve seconds
  const starts: number[] = [];
  await Promise.all(Array.from({ length: 12 }, async () => {
    await l.acquire();
    starts.push(clock.now());
    l.release();
  }));
  assertEquals(starts.length, 12);
  ok(starts.every((t) => t <= 1_000), `started at ${starts}: past the deadline of 1,000 ms`);
});
