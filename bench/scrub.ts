// deno-lint-ignore-file no-console
/**
 * One scrubber measurement in a fresh process, for `deno task bench` (its "scrubber" section):
 * `scrub.ts SHAPE SIZE FUNCTION` builds a hostile input of SIZE characters and times
 * `scrubber([key])[FUNCTION]` on it once (after a warm-up on a small one); `scrub.ts read` times
 * `secrets()` over the values of a 10,000-key read (ids, names, owners, as the bench's fake
 * serves them) and `redact()` over its JSON report. Prints `{ "ms": ... }`. A separate process,
 * so that the bench can stop a run that does not end (a quadratic scrubber on 1 MB).
 */
import { redact, scrubber } from "../lib/secrets/redact.ts";

const KEY = "sk-admin-Zq8VtR3mLp0XwK7s_Nd2YbH5cJf9-GuE4aTq6WrPz1xYk3Lm";

/** The hostile shapes, by name: a key name, a URL-credential-shaped name, an error message. */
export const SHAPES: Record<string, (n: number) => string> = {
  "sk- repeated": (n) => "sk-".repeat(Math.ceil(n / 3)),
  "a- repeated": (n) => "a-".repeat(Math.ceil(n / 2)),
  "scheme:// runs": (n) => "a://b".repeat(Math.ceil(n / 5)),
  "the key repeated": (n) => `${KEY} `.repeat(Math.ceil(n / (KEY.length + 1))),
};

/** What a 10,000-key read hands the scrubber: every string of every key, as the fake sends. */
function readValues(): string[] {
  const out: string[] = [];
  for (let p = 0; p < 200; p++) {
    const project = `proj_${String(p).padStart(5, "0")}`;
    out.push(project, `project-${p}`, "active");
    for (let k = 1; k <= 50; k++) {
      const n = String(k).padStart(2, "0");
      out.push(`key_${project.slice(5)}_${n}`, `key-${n}`, "sk-proj-****abcd", "service_account");
      out.push(`sa_${p}`, "bot", "member");
    }
  }
  return out;
}

if (import.meta.main) {
  const [shape, size, fn] = Deno.args;
  if (shape === "read") {
    const values = readValues();
    const report = JSON.stringify(values.map((v) => ({ name: v, id: v })), null, 2);
    const run = () => {
      const s = scrubber([KEY]);
      for (const v of values) s.secrets(v);
      return redact(report, [KEY]);
    };
    run();
    const t0 = performance.now();
    for (let i = 0; i < 5; i++) run();
    console.log(JSON.stringify({ ms: (performance.now() - t0) / 5, values: values.length }));
  } else {
    const make = SHAPES[shape];
    const f = fn as "secrets" | "value" | "redact";
    scrubber([KEY])[f](make(1000));
    const input = make(Number(size)).slice(0, Number(size));
    const s = scrubber([KEY]);
    const t0 = performance.now();
    s[f](input);
    console.log(JSON.stringify({ ms: performance.now() - t0 }));
  }
}

const SCRIPT = new URL(import.meta.url).pathname;
const SIZES = [60_000, 300_000, 1_000_000];
const FUNCTIONS = ["secrets", "value", "redact"] as const;

/** One measurement in its own process, stopped after `capS` seconds: ms, or null when stopped. */
async function measure(args: string[], capS: number): Promise<number | null> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", SCRIPT, ...args],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), capS * 1000);
  const out = await child.output();
  clearTimeout(timer);
  if (!out.success) return null;
  return JSON.parse(new TextDecoder().decode(out.stdout)).ms;
}

/**
 * The bench's scrubber section: each hostile shape at 60 KB, 300 KB and 1 MB through each
 * scrubbing function (a run over `capS` seconds is stopped and shown as such), then the
 * scrubbing of a 10,000-key read's values and of its report.
 */
export async function scrubTable(capS: number): Promise<void> {
  console.log(`\nscrubber: one call on a hostile input, ms (a run past ${capS} s is stopped)\n`);
  const head = SIZES.flatMap((n) => FUNCTIONS.map((f) => `${n / 1000} KB ${f}`));
  console.log(`| shape | ${head.join(" | ")} |`);
  console.log(`|---|${head.map(() => "---:").join("|")}|`);
  for (const shape of Object.keys(SHAPES)) {
    const cells: string[] = [];
    for (const n of SIZES) {
      for (const f of FUNCTIONS) {
        const ms = await measure([shape, String(n), f], capS);
        cells.push(ms === null ? `> ${capS} s` : ms.toFixed(1));
      }
    }
    console.log(`| ${shape} | ${cells.join(" | ")} |`);
  }
  const read = await measure(["read"], capS);
  console.log(
    `\nscrubbing a 10,000-key read (70,600 server values through secrets(), then redact() of a JSON report of them): ${
      read === null ? `> ${capS} s` : `${read.toFixed(1)} ms`
    } (mean of 5)`,
  );
}
