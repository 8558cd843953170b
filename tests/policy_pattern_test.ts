/**
 * `key-name-pattern` runs the manifest's pattern in a linear-time engine (RE2, `npm:re2js`): a
 * key name the server chooses cannot make a pattern backtrack for minutes. Answers match
 * JavaScript's for the patterns both accept; a pattern RE2 cannot run in linear time (lookaround,
 * backreferences) is refused, located, when the manifest is read.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { keyNamePattern } from "../policies/key_name_pattern.ts";
import { fill } from "../lib/render/words.ts";
import type { LiveProject } from "../lib/core/types.ts";
import { live, NOW_S, runCli } from "./_helpers.ts";

// RE2 is loaded on demand (`loadFrom` does it when a manifest names the policy); here, directly.
await keyNamePattern.options.pattern.prepare!();

const project: LiveProject = { id: "p", found: true, name: null, status: "active", keys: [] };

/** The policy's answer for one key name under `pattern`: null when the name complies. */
function verdict(pattern: string, name: string): string | null {
  const check = keyNamePattern.forProject({
    options: { pattern },
    scope: { kind: "project", id: project.id },
    keys: project.keys,
    serviceAccountsOnly: false,
    now: NOW_S,
  });
  const facts = check(live("key_1", name, "bot"), null);
  return facts && fill(keyNamePattern.message, facts);
}

Deno.test("patterns that backtrack exponentially in JavaScript finish on a hostile name, with the right answer", () => {
  // 33 characters took 34 s in a backtracking engine; each more character doubles it.
  for (const n of [33, 64, 10_000]) {
    const hostile = `${"a".repeat(n)}!`;
    for (const pattern of ["^(a+)+$", "^([a-z0-9]+-?)+$", "^(a|aa)+$", "^(a*)*b$"]) {
      ok(verdict(pattern, hostile)?.includes("does not match"), `${pattern} on ${n}`);
    }
    assertEquals(verdict("^(a+)+$", "a".repeat(n)), null);
    assertEquals(verdict("^([a-z0-9]+-?)+$", `${"ab-".repeat(n)}c`), null);
  }
});

Deno.test("RE2 answers as JavaScript does for ordinary patterns and names", () => {
  const patterns = [
    "^[a-z0-9]+(-[a-z0-9]+)*$",
    "^svc-",
    "-(prod|staging|dev)$",
    "^[A-Z][a-z]+_\\d{2,4}$",
    "(?i)^SVC-",
    "^\\w+\\.\\w+$",
    "x",
    "^$",
  ];
  const names = [
    "svc-a",
    "billing-worker-prod",
    "Billing_2024",
    "svc_a.b",
    "",
    "x",
    "a--b",
    "é-prod",
  ];
  for (const p of patterns) {
    const js = p.startsWith("(?i)") ? new RegExp(p.slice(4), "i") : new RegExp(p);
    for (const name of names) {
      assertEquals(verdict(p, name) === null, js.test(name), `${p} on ${JSON.stringify(name)}`);
    }
  }
});

Deno.test("validate refuses a pattern RE2 cannot run in linear time, located, saying why", async () => {
  for (const [pattern, why] of [["(?=a)b", "`(?=`"], ["(a)\\\\1", "`\\1`"]]) {
    const r = await runCli(["validate", "-m", "keydrift.yaml"], {
      files: {
        "keydrift.yaml": `version: 1\npolicies:\n  key-name-pattern: { pattern: "${pattern}" }\n` +
          "projects: []\n",
      },
    });
    assertEquals(r.code, 1, r.stderr);
    const line = r.stderr.split("\n")[0];
    ok(line.startsWith('keydrift.yaml:3:23: policy key-name-pattern option "pattern": '), line);
    ok(line.includes(why) && line.includes("RE2 cannot match in linear time"), line);
  }
});

Deno.test("check --fake with a hostile key name and a backtracking-shaped pattern finishes with the finding", async () => {
  const name = `${"a".repeat(40)}!`;
  const r = await runCli(
    ["check", "-m", "keydrift.yaml", "--fake", "state.yaml", "--format", "json=r.json"],
    {
      files: {
        "keydrift.yaml": "version: 1\npolicies:\n  key-name-pattern: { severity: error, " +
          `pattern: "^([a-z0-9]+-?)+$" }\nprojects:\n  - id: proj_a\n    unmanaged: ignore\n    keys: []\n`,
        "state.yaml": "projects:\n  - id: proj_a\n    service_accounts: [{ id: sa, name: bot }]\n" +
          `    keys: [{ id: key_1, name: "${name}", owner: sa }]\n`,
      },
    },
  );
  assertEquals(r.code, 2, r.stderr);
  const findings = JSON.parse(r.files.get("r.json")!).findings;
  const named = findings.filter((f: { policy: string }) => f.policy === "key-name-pattern");
  assertEquals(named.length, 1, JSON.stringify(findings));
  ok(named[0].message.includes("does not match"), named[0].message);
});

/** `keydrift validate -m -` of `manifest` in a fresh process (where RE2 is not loaded yet). */
async function validateFresh(manifest: string) {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      ...["run", "--no-prompt", "--ignore-env=LOG_TOKENS,LOG_STREAM", "--allow-read=."],
      ...["main.ts", "validate", "-m", "-"],
    ],
    cwd: new URL("..", import.meta.url).pathname,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const w = child.stdin.getWriter();
  await w.write(new TextEncoder().encode(manifest));
  await w.close();
  const out = await child.output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

Deno.test("RE2 is loaded for a manifest that names key-name-pattern, even through a YAML escape, and its pattern checked", async () => {
  for (const id of ["key-name-pattern", "key\\x2dname-pattern", "key\\u002Dname-pattern"]) {
    const r = await validateFresh(
      `version: 1\npolicies:\n  "${id}": { pattern: "(?!tmp-)" }\nprojects: []\n`,
    );
    assertEquals(r.code, 1, r.stderr);
    ok(r.stderr.includes("RE2 cannot match in linear time"), `${id}: ${r.stderr}`);
  }
  const fine = await validateFresh(
    'version: 1\npolicies:\n  "key\\x2dname-pattern": { severity: warning }\nprojects: []\n',
  );
  assertEquals(fine.code, 0, fine.stderr);
});
