// deno-lint-ignore-file no-console
/**
 * The budget section of `deno task bench` (issue 21): `check` against the fake's budget of 7
 * requests a minute per path template with no headers, as the real Admin API answers, each run in
 * a fresh process (bench/budget_worker.ts) at an accelerated clock (`--time-scale`, default 20:
 * both the fake and keydrift read it, so a two-minute read takes six seconds; `--time-scale 1`
 * runs in real time). Per scenario: the read (first request sent to last answer) in the API's
 * time, the budget's bound (the last key listing can start only once the budget allows it:
 * floor((listings - 1) / 7) minutes), the ratio, requests sent (the minimum: one per listing) and
 * the refusals (429s the fake sent).
 */
const WORKER = new URL("./budget_worker.ts", import.meta.url).pathname;
const TEST_CONFIG = new URL("../tests/deno.json", import.meta.url).pathname;
const PER_MINUTE = 7;

interface BudgetScenario {
  name: string;
  projects: number;
  flags: string[];
}

const SCENARIOS: BudgetScenario[] = [
  { name: "15 projects, learned from the refusals", projects: 15, flags: [] },
  { name: "15 projects, --max-rpm 7", projects: 15, flags: ["--max-rpm", "7"] },
  { name: "40 projects, learned, default flags", projects: 40, flags: [] },
];

async function once(sc: BudgetScenario, scale: number, latency: number) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-prompt",
      "--config",
      TEST_CONFIG,
      "--allow-read=.",
      "--allow-env",
      WORKER,
      String(sc.projects),
      String(PER_MINUTE),
      String(scale),
      String(latency),
      ...sc.flags,
    ],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Prints the budget table: `runs` runs of each scenario, `latency` ms per answer (wall). */
export async function budgetTable(runs: number, latency: number, scale: number, only?: string) {
  const chosen = SCENARIOS.filter((s) => !only || s.name.includes(only) || "budget".includes(only));
  if (!chosen.length) return;
  console.log(
    `\nThe Admin API's budget: ${PER_MINUTE} requests a minute per path template, 429 without headers; time x${scale}, ${latency} ms latency (wall), median of ${runs} runs\n`,
  );
  console.log(
    "| scenario | read (API time) | budget's bound | read/bound | requests (min) | refused | estimate stated |",
  );
  console.log("|---|---:|---:|---:|---:|---:|---|");
  for (const sc of chosen) {
    const rs = [];
    for (let i = 0; i < runs; i++) rs.push(await once(sc, scale, latency));
    const read = median(rs.map((r) => r.lastDone - r.firstSent));
    const bound = Math.floor((sc.projects - 1) / PER_MINUTE) * 60_000;
    const cells = [
      sc.name,
      seconds(read),
      seconds(bound),
      `${(read / bound).toFixed(2)}x`,
      `${median(rs.map((r) => r.requests))} (${sc.projects + 1})`,
      rs.map((r) => r.refused).join(", "),
      rs[0].estimate ?? "none",
    ];
    console.log(`| ${cells.join(" | ")} |`);
    for (const r of rs.filter((r) => r.code !== 0)) console.log(`  (exit ${r.code}: ${r.stderr})`);
  }
}
