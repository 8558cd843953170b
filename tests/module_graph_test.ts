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
    // The orchestrator, its file access and the permission hint it gives on a refusal; each
    // command's module is loaded when it runs.
    [
      "lib/commands/cli.ts",
      "lib/commands/files.ts",
      "lib/commands/io.ts",
      "lib/commands/permissions.ts",
    ],
  );
});

Deno.test("validate's module loads no npm or node: module, renderer, API client or fake", async () => {
  const mods = await reached("lib/commands/offline.ts", false);
  assertEquals(outside(mods), []);
  assertEquals([...mods].filter((m) => /^lib\/(render|api|fake)\/|yaml\/full/.test(m)), []);
});

Deno.test("npm packages are reached only on demand: yaml through yaml/full.ts, TypeBox through report/schema.ts (schema --report), RE2 through key-name-pattern, Ajv through report/validate.ts (merge)", async () => {
  const all = await reached("main.ts", true);
  assertEquals(
    [...all].filter((m) => m.startsWith("npm:")).map((m) =>
      m.replace(/^npm:\/?/, "npm:").replace(/@[^@]*$/, "")
    ).sort(),
    ["npm:@sinclair/typebox", "npm:ajv", "npm:re2js", "npm:yaml"],
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
    "lib/report/schema_families.ts",
    "lib/report/schema_fleet.ts",
    "lib/report/schema_kit.ts",
    "lib/report/schema_snapshot.ts",
    "lib/report/schema_usage.ts",
    "lib/report/validate.ts",
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
  for (
    const part of [
      "report/schema_enrich.ts",
      "report/schema_fleet.ts",
      "report/schema_kit.ts",
      "report/schema_snapshot.ts",
      "report/schema_usage.ts",
    ]
  ) {
    const importers = info.modules.filter((m) =>
      (m.dependencies ?? []).some((d) => d.code?.specifier.endsWith(`/lib/${part}`))
    ).map((m) => m.specifier.replace(ROOT.href, ""));
    ok(importers.every((m) => m.startsWith("lib/report/schema")), `${part}: ${importers}`);
  }
  const schemaImporters = info.modules.flatMap((m) =>
    (m.dependencies ?? []).filter((d) => d.code?.specifier.endsWith("/lib/report/schema.ts"))
      .map((d) => [m.specifier.replace(ROOT.href, ""), d.isDynamic === true])
  );
  assertEquals(schemaImporters.sort(), [
    ["lib/commands/offline.ts", true],
    ["lib/report/validate.ts", false],
  ]);
  // Ajv and the schema it checks reports with: only when `merge` reads reports.
  const validateImporters = info.modules.flatMap((m) =>
    (m.dependencies ?? []).filter((d) => d.code?.specifier.endsWith("/lib/report/validate.ts"))
      .map((d) => [m.specifier.replace(ROOT.href, ""), d.isDynamic === true])
  );
  assertEquals(validateImporters, [["lib/commands/merge.ts", true]]);
});

Deno.test("check's module loads no npm or node: module and not the fake", async () => {
  const mods = await reached("lib/commands/check.ts", false);
  assertEquals(outside(mods), []);
  assertEquals([...mods].filter((m) => /^lib\/fake\/|yaml\/full/.test(m)), []);
});

/**
 * The stages of lib/, lowest first: a module imports only from its own floor or lower ones
 * (README, "Architecture"). `fake/` stands apart: it imports only `core/` and `yaml/`, and only
 * `commands/` imports it; it shares no code with the API client.
 */
const FLOORS = [
  "core",
  "secrets",
  "yaml",
  "manifest",
  "api",
  "assess",
  "enrich",
  "report",
  "render",
  "commands",
];

/** Every import between modules of lib/, type-only imports included: `from -> [to]`. */
async function libGraph(): Promise<Map<string, string[]>> {
  const files: string[] = [];
  const walk = (dir: URL) => {
    for (const e of Deno.readDirSync(dir)) {
      if (e.isDirectory) walk(new URL(`${e.name}/`, dir));
      else if (e.name.endsWith(".ts")) files.push(new URL(e.name, dir).href);
    }
  };
  walk(new URL("lib/", ROOT));
  // One graph for all of them: a module that imports every one (never run).
  const dir = await Deno.makeTempDir();
  try {
    const all = `${dir}/all.ts`;
    await Deno.writeTextFile(all, files.map((f) => `import "${f}";\n`).join(""));
    const info: Info = await graph(all);
    const lib = new URL("lib/", ROOT).href;
    const out = new Map<string, string[]>();
    for (const m of info.modules) {
      if (!m.specifier.startsWith(lib)) continue;
      const to = (m.dependencies ?? []).flatMap((d) =>
        [d.code?.specifier, (d as { type?: { specifier: string } }).type?.specifier]
          .filter((s): s is string => s !== undefined && s.startsWith(lib))
      );
      out.set(
        m.specifier.replace(ROOT.href, ""),
        [...new Set(to)].map((s) => s.replace(ROOT.href, "")),
      );
    }
    assertEquals(out.size, files.length, "every module of lib/ is in the graph");
    return out;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The import cycles of a graph (Tarjan's strongly connected components of two or more). */
function cycles(edges: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const out: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (stack.includes(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const scc: string[] = [];
    let w: string;
    do scc.push(w = stack.pop()!); while (w !== v);
    if (scc.length > 1 || edges.get(v)?.includes(v)) out.push(scc.sort());
  };
  for (const v of edges.keys()) if (!index.has(v)) visit(v);
  return out;
}

const folder = (m: string) => m.split("/")[1];

Deno.test("lib/ has no import cycle, type-only imports included", async () => {
  const edges = await libGraph();
  assertEquals(cycles(edges), []);
  // The check can fail: a graph with a loop in it has one.
  assertEquals(cycles(new Map([["a", ["b"]], ["b", ["a"]], ["c", []]])), [["a", "b"]]);
});

Deno.test("lib/ is one folder per stage, each importing only its own floor or lower ones; the fake only core/ and yaml/; nobody another folder's _private module", async () => {
  const edges = await libGraph();
  const up: string[] = [];
  const fake: string[] = [];
  const reach: string[] = [];
  for (const [from, tos] of edges) {
    ok(from.split("/").length === 3, `${from}: every module is in a stage's folder`);
    const a = folder(from);
    ok(a === "fake" || FLOORS.includes(a), `${from}: ${a}/ is no stage`);
    for (const to of tos) {
      const b = folder(to);
      if (a !== b && to.split("/").pop()!.startsWith("_")) reach.push(`${from} -> ${to}`);
      if (a === "fake" || b === "fake") {
        const allowed = a === "fake" ? ["fake", "core", "yaml"].includes(b) : a === "commands";
        if (!allowed) fake.push(`${from} -> ${to}`);
      } else if (FLOORS.indexOf(a) < FLOORS.indexOf(b)) up.push(`${from} -> ${to}`);
    }
  }
  assertEquals({ up, fake, reach }, { up: [], fake: [], reach: [] });
});

Deno.test("no production function is over 60 lines, and at most 10 are over 40", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const plugin = new URL("./_function_length.ts", import.meta.url).href;
    const config = `${dir}/deno.json`;
    await Deno.writeTextFile(
      config,
      JSON.stringify({ lint: { plugins: [plugin], rules: { tags: [], include: [] } } }),
    );
    // A function of 61 lines the count must see (so that a plugin that sees nothing fails).
    const probe = `${dir}/probe.ts`;
    await Deno.writeTextFile(probe, `export function probe() {\n${"  void 0;\n".repeat(59)}}\n`);
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["lint", "--config", config, "--json", "lib", "main.ts", "policies", probe],
      cwd: ROOT.pathname,
      stdout: "piped",
      stderr: "null",
    }).output();
    const report = JSON.parse(new TextDecoder().decode(out.stdout)) as {
      diagnostics: { filename: string; range: { start: { line: number } }; message: string }[];
    };
    const all = report.diagnostics.map((d) => ({
      at: `${d.filename.replace(ROOT.href, "")}:${d.range.start.line}`,
      lines: Number(d.message),
    }));
    assertEquals(all.filter((f) => f.at.endsWith("/probe.ts:1")).map((f) => f.lines), [61]);
    const long = all.filter((f) => !f.at.endsWith("/probe.ts:1"));
    ok(long.every((f) => Number.isInteger(f.lines) && f.lines > 40), JSON.stringify(long));
    assertEquals(long.filter((f) => f.lines > 60), []);
    ok(long.length <= 10, `${long.length} functions over 40 lines: ${JSON.stringify(long)}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
