/**
 * A fake state file cannot make the fake run out of memory: the keys and daily usage records its
 * `generate:` blocks and `usage_daily:` fields make are counted before any is made, and past the
 * cap (docs/fake-api.md, state file) the file is refused with a located error.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { MAX_FAKE_RECORDS } from "../lib/fake/cap.ts";
import { loadState } from "../lib/fake/state.ts";
import { readFull } from "../lib/yaml/full.ts";
import { DEMO_FILES, NOW_S, runCli } from "./_helpers.ts";

const load = (text: string) => loadState("state.yaml", text, NOW_S, readFull);

const project = (id: string, generate: string) =>
  `  - id: ${id}\n    service_accounts: [{ id: sa, name: bot }]\n    generate: ${generate}\n`;

Deno.test("a state that generates 10^8 keys is refused at its count, located, before any key is made", () => {
  const text = `projects:\n${project("proj_a", "{ count: 100000000, owner: sa }")}`;
  const { state, problems } = load(text);
  assertEquals(state, null);
  assertEquals(problems.length, 1, JSON.stringify(problems));
  assertEquals([problems[0].line, problems[0].column], [4, 17]);
  ok(/"count" makes the fake generate 100,000,000 keys/.test(problems[0].message));
  ok(problems[0].message.includes(`cap of ${MAX_FAKE_RECORDS.toLocaleString("en-US")}`));
});

Deno.test("the cap counts every project's keys together, and each generated key's daily usage records", () => {
  const many = Array.from(
    { length: 11 },
    (_, i) => project(`proj_${i}`, "{ count: 100000, owner: sa }"),
  ).join("");
  const spread = load(`projects:\n${many}`);
  assertEquals(spread.state, null);
  // The 11th project passes the cap: the error is located there.
  assertEquals(spread.problems[0].line, 2 + 10 * 3 + 2, JSON.stringify(spread.problems));
  const daily = load(
    `projects:\n${
      project("proj_a", "{ count: 1000, owner: sa, usage_daily: { days: 1001, requests: 1 } }")
    }`,
  );
  assertEquals(daily.state, null);
  ok(
    /"days" makes the fake generate 1,002,000 keys and usage records/.test(
      daily.problems[0].message,
    ),
    daily.problems[0].message,
  );
  const one = load(
    "users: [{ id: u, name: U, email: u@example.test }]\nprojects:\n  - id: proj_a\n    keys:\n" +
      "      - { id: k, name: n, owner: u, usage_daily: { days: 1000000000, requests: 1 } }\n",
  );
  assertEquals(one.state, null);
  ok(
    /"days" makes the fake generate 1,000,000,001/.test(one.problems[0].message),
    one.problems[0].message,
  );
});

Deno.test("a state within the cap loads as before", () => {
  const { state, problems } = load(
    `projects:\n${
      project("proj_a", "{ count: 2000, owner: sa, usage_daily: { days: 30, requests: 1 } }")
    }`,
  );
  assertEquals(problems, []);
  assertEquals(state!.projects[0].keys.length, 2000);
  assertEquals(state!.projects[0].keys[0].usage.length, 30);
});

Deno.test("check --fake with a state over the cap exits 1 with the located error and writes the report", async () => {
  const r = await runCli(
    ["check", "-m", "keydrift.yaml", "--fake", "state.yaml", "--format", "json=r.json"],
    {
      files: {
        "keydrift.yaml": DEMO_FILES["keydrift.yaml"],
        "state.yaml": `projects:\n${project("proj_a", "{ count: 100000000, owner: sa }")}`,
      },
    },
  );
  assertEquals(r.code, 1, r.stderr);
  ok(r.stderr.includes("state.yaml:4:17:"), r.stderr);
  assertEquals(JSON.parse(r.files.get("r.json")!).status, "error");
});
