/**
 * JUnit that strict consumers accept: `xmllint --schema` with the Jenkins xunit plugin's
 * `junit-10.xsd` (tests/fixtures/schemas/README.md says where it comes from). xmllint is in the
 * Debian package libxml2-utils (.ci/run installs it; outside CI the test is skipped without it,
 * under CI it fails).
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { XMLParser } from "fast-xml-parser";
import { CHECK_FAKE, DEMO_FILES, runCli } from "./_helpers.ts";
import { DRIFT, driftedOrg, FINDINGS } from "./_drifted_org.ts";
import { testWithTools } from "./_tools.ts";

const XSD = new URL("./fixtures/schemas/junit-10.xsd", import.meta.url).pathname;

const files = DEMO_FILES;

async function junit(f: Record<string, string>, code: number, extra: string[] = []) {
  const r = await runCli([...CHECK_FAKE, "--format", "junit=out.xml", ...extra], { files: f });
  assertEquals(r.code, code, r.stderr);
  return r.files.get("out.xml")!;
}

/** `xmllint --noout --schema junit-10.xsd`: null when valid, else what xmllint said. */
async function xmllint(bin: string, xml: string): Promise<string | null> {
  const file = await Deno.makeTempFile({ suffix: ".xml" });
  try {
    await Deno.writeTextFile(file, xml);
    const out = await new Deno.Command(bin, {
      args: ["--noout", "--schema", XSD, file],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const said = new TextDecoder().decode(out.stderr);
    return out.success && said.trim().endsWith("validates") ? null : said;
  } finally {
    await Deno.remove(file);
  }
}

interface Case {
  "@_classname": string;
  "@_name": string;
  failure?: { "@_message": string; "#text": string };
  error?: unknown;
  "system-out"?: string;
}

function parse(xml: string) {
  const doc = new XMLParser({
    ignoreAttributes: false,
    isArray: (n) => n === "testcase" || n === "testsuite",
  }).parse(xml);
  const suites = doc.testsuites.testsuite as ({ testcase: Case[] } & Record<string, string>)[];
  return { root: doc.testsuites, suites, cases: suites.flatMap((s) => s.testcase) };
}

/** One project: `kept` declared and live, `stray` live only (an unexpected key: a warning). */
const quiet = {
  "keydrift.yaml": "version: 1\ndefaults: { unmanaged: warning }\nprojects:\n" +
    "  - id: p\n    keys:\n      - { name: kept, owner: { type: service_account, name: bot } }\n",
  "state.yaml": "projects:\n  - id: p\n" +
    "    service_accounts: [{ id: sa, name: bot }, { id: sb, name: other }]\n    keys:\n" +
    "      - { id: k1, name: kept, owner: sa, created_at: -10d, last_used_at: -1d }\n" +
    "      - { id: k2, name: stray, owner: sa, created_at: -10d, last_used_at: -1d }\n",
};

const big = driftedOrg(["junit"]);

testWithTools(
  "junit of the demo, an error run, an invalid manifest, --fail-on warning, an exit-0 run and 30,000 keys is valid against junit-10.xsd; a testcase with a file attribute is not",
  ["xmllint"],
  async (tools) => {
    const demo = await junit(files, 2);
    const outputs = {
      demo,
      error: await junit({
        ...files,
        "state.yaml": files["state.yaml"] +
          "faults:\n  - { on: list, kind: status, status: 500, project: proj_search }\n",
      }, 1),
      invalid: await junit({ ...files, "keydrift.yaml": "version: 1\nprojects: 3\n" }, 1),
      warning: await junit(files, 2, ["--fail-on", "warning"]),
      quiet: await junit(quiet, 0),
      big: (await big()).get("r.junit")!,
    };
    for (const [name, xml] of Object.entries(outputs)) {
      assertEquals(await xmllint(tools.xmllint, xml), null, name);
    }
    const withFile = demo.replace("<testcase ", '<testcase file="keydrift.yaml" ');
    ok((await xmllint(tools.xmllint, withFile))?.includes("attribute 'file' is not allowed"));
  },
);

Deno.test("junit: an exit-0 run shows no failed test; its warnings are in system-out, and fail with --fail-on warning", async () => {
  const pass = parse(await junit(quiet, 0));
  assertEquals([pass.root["@_failures"], pass.root["@_errors"]], ["0", "0"]);
  ok(pass.cases.every((c) => !c.failure && !c.error));
  const stray = pass.cases.find((c) => c["@_name"] === "stray [k2]")!;
  ok(stray["system-out"]!.startsWith("[unexpected, warning] service account"), stray["system-out"]);
  const fail = parse(await junit(quiet, 2, ["--fail-on", "warning"]));
  assertEquals(fail.root["@_failures"], "1");
  const failed = fail.cases.find((c) => c["@_name"] === "stray [k2]")!;
  assertEquals(failed.failure!["@_message"], "Unexpected key");
  assertEquals(failed["system-out"], undefined);
});

Deno.test("junit: a finding on an unexpected key is in that key's testcase, not a second one", async () => {
  const { cases } = parse(await junit(files, 2));
  const oldCi = cases.filter((c) => c["@_name"].startsWith("old-ci"));
  assertEquals(oldCi.map((c) => c["@_name"]), ["old-ci [key_old_ci_carl]"]);
  const body = oldCi[0].failure!["#text"].split("\n");
  assertEquals(body.map((l) => l.slice(0, l.indexOf("]") + 1)), [
    "[unexpected, error]",
    "[owner-lost-access, error]",
  ]);
  assertEquals(oldCi[0].failure!["@_message"], "Unexpected key and 1 more");
  const names = cases.map((c) => `${c["@_classname"]}/${c["@_name"]}`);
  assertEquals(new Set(names).size, names.length);
});

Deno.test("junit: an unexpected key named like a declared key gets its own testcase", async () => {
  const twin = {
    ...quiet,
    "state.yaml": quiet["state.yaml"].replace("name: stray, owner: sa", "name: kept, owner: sb"),
  };
  const { cases } = parse(await junit(twin, 0));
  assertEquals(cases.map((c) => c["@_name"]), ["(project)", "kept", "kept [k2]"]);
  ok(cases[1]["system-out"] === undefined && cases[2]["system-out"]!.includes("[unexpected"));
});

Deno.test("junit: waived findings and read errors are shown, neither as failures", async () => {
  const { cases } = parse(await junit(files, 2));
  const ana = cases.find((c) => c["@_name"] === "ana-laptop")!;
  ok(!ana.failure);
  ok(ana["system-out"]!.startsWith("[key-unused, warning, waived] "), ana["system-out"]);
  const error = parse(
    await junit({
      ...files,
      "state.yaml": files["state.yaml"] +
        "faults:\n  - { on: list, kind: status, status: 500, project: proj_search }\n",
    }, 1),
  );
  assertEquals(error.root["@_errors"], "1");
  const invalid = parse(await junit({ ...files, "keydrift.yaml": "version: 1\nprojects: 3\n" }, 1));
  assertEquals(invalid.cases.map((c) => `${c["@_classname"]}/${c["@_name"]}`), [
    "(keydrift)/(run)",
  ]);
  ok(invalid.cases[0].error);
  const search = error.suites.find((s) => s["@_name"] === "proj_search")!;
  ok(search.testcase[0].error);
});

Deno.test("junit at 30,000 keys: at most 90 bytes per testcase and item, so 100,000 keys with 200,000 items stay under GitLab's 30 MB", async () => {
  const xml = (await big()).get("r.junit")!;
  const bytes = new TextEncoder().encode(xml).length;
  const { cases } = parse(xml);
  const perUnit = bytes / (cases.length + DRIFT + FINDINGS);
  ok(perUnit <= 90, `${perUnit.toFixed(1)} bytes per testcase and item (${bytes} bytes)`);
  // 100,000 keys in 1,000 projects with two items per key (the drift density).
  ok(90 * (100_000 + 1_000 + 200_000) < 30 * 2 ** 20);
});
