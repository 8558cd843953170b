/**
 * keydrift's start-up is mostly the modules it loads: these read the real module graph
 * (`deno info --json`) and say what each command may load before it starts work.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";

interface Dep {
  specifier: string;
  code?: { specifier: string };
  isDynamic?: boolean;
}
interface Info {
  modules: { specifier: string; dependencies?: Dep[] }[];
}

const ROOT = new URL("../", import.meta.url);

async function graph(file: string): Promise<Info> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", new URL(file, ROOT).pathname],
    stdout: "piped",
    stderr: "null",
  }).output();
  ok(out.success, `deno info ${file} failed`);
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

/** Modules reached from `file` (static imports only, or dynamic ones too), relative to the repo. */
async function reached(file: string, dynamic: boolean): Promise<Set<string>> {
  const info = await graph(file);
  const deps = new Map(info.modules.map((m) => [m.specifier, m.dependencies ?? []]));
  const root = new URL(file, ROOT).href;
  const seen = new Set<string>();
  const todo = [root];
  while (todo.length) {
    const s = todo.pop()!;
    if (seen.has(s)) continue;
    seen.add(s);
    for (const d of deps.get(s) ?? []) {
      if (d.code && (dynamic || !d.isDynamic)) todo.push(d.code.specifier);
    }
  }
  return new Set([...seen].map((s) => s.replace(ROOT.href, "")));
}

const outside = (mods: Set<string>) =>
  [...mods].filter((m) => m.startsWith("npm:") || m.startsWith("node:"));

Deno.test("main.ts statically imports no npm or node: module and no command's code", async () => {
  const mods = await reached("main.ts", false);
  assertEquals(outside(mods), []);
  assertEquals(
    [...mods].filter((m) => /^lib\/(commands|render|api|fake)\/|yaml\/full/.test(m)).sort(),
    // The orchestrator and its file access; each command's module is loaded when it runs.
    ["lib/commands/cli.ts", "lib/commands/files.ts", "lib/commands/io.ts"],
  );
});

Deno.test("validate's module loads no npm or node: module, renderer, API client or fake", async () => {
  const mods = await reached("lib/commands/offline.ts", false);
  assertEquals(outside(mods), []);
  assertEquals([...mods].filter((m) => /^lib\/(render|api|fake)\/|yaml\/full/.test(m)), []);
});

Deno.test("npm packages are reached only on demand: yaml through yaml/full.ts, TypeBox through report/schema.ts (schema --report), RE2 through key-name-pattern", async () => {
  const all = await reached("main.ts", true);
  assertEquals(
    [...all].filter((m) => m.startsWith("npm:")).map((m) =>
      m.replace(/^npm:\/?/, "npm:").replace(/@[^@]*$/, "")
    ).sort(),
    ["npm:@sinclair/typebox", "npm:re2js", "npm:yaml"],
  );
  const info = await graph("main.ts");
  const importers = info.modules.flatMap((m) =>
    (m.dependencies ?? []).filter((d) => d.code?.specifier.endsWith("/lib/yaml/full.ts"))
      .map((d) => [m.specifier.replace(ROOT.href, ""), d.isDynamic === true])
  );
  assertEquals(importers, [["lib/yaml/check.ts", true]]);
  const yamlImporters = info.modules.filter((m) =>
    (m.dependencies ?? []).some((d) => d.code?.specifier.startsWith("npm:"))
  ).map((m) => m.specifier.replace(ROOT.href, ""));
  assertEquals(yamlImporters.sort(), [
    "lib/report/schema.ts",
    "lib/report/schema_enrich.ts",
    "lib/report/schema_kit.ts",
    "lib/yaml/full.ts",
    "policies/key_name_pattern.ts",
  ]);
  // RE2 only when a manifest names key-name-pattern (its option's prepare()): a dynamic import.
  const re2 = info.modules.flatMap((m) =>
    (m.dependencies ?? []).filter((d) =>
      d.code?.specifier.startsWith("npm:") &&
      d.code.specifier.includes("re2js")
    ).map((d) => [m.specifier.replace(ROOT.href, ""), d.isDynamic === true])
  );
  assertEquals(re2, [["policies/key_name_pattern.ts", true]]);
  // The schema's other parts are reached only through it.
  for (const part of ["report/schema_enrich.ts", "report/schema_kit.ts"]) {
    const importers = info.modules.filter((m) =>
      (m.dependencies ?? []).some((d) => d.code?.specifier.endsWith(`/lib/${part}`))
    ).map((m) => m.specifier.replace(ROOT.href, ""));
    ok(importers.every((m) => m.startsWith("lib/report/schema")), `${part}: ${importers}`);
  }
  const schemaImporters = info.modules.flatMap((m) =>
    (m.dependencies ?? []).filter((d) => d.code?.specifier.endsWith("/lib/report/schema.ts"))
      .map((d) => [m.specifier.replace(ROOT.href, ""), d.isDynamic === true])
  );
  assertEquals(schemaImporters, [["lib/commands/offline.ts", true]]);
});

Deno.test("check's module loads no npm or node: module and not the fake", async () => {
  const mods = await reached("lib/commands/check.ts", false);
  assertEquals(outside(mods), []);
  assertEquals([...mods].filter((m) => /^lib\/fake\/|yaml\/full/.test(m)), []);
});
