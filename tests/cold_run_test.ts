/**
 * A cold run (an empty Deno cache, as in every CI job) downloads only the packages keydrift
 * itself runs. Deno fetches every npm package of the lockfile it runs under, so the program's
 * config (`deno.json`, `deno.lock`) holds the production packages only; the test-only ones live
 * in `tests/deno.json` and `tests/deno.lock`, which the tasks that test, type-check and bench pass
 * with `--config`.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";

const ROOT = new URL("..", import.meta.url).pathname;
const decoder = new TextDecoder();

interface Config {
  imports: Record<string, string>;
  compilerOptions: unknown;
  fmt: { lineWidth: number };
  lint: { rules: unknown };
  lock: { path: string; frozen: boolean };
}
interface Lock {
  specifiers: Record<string, string>;
  npm: Record<string, unknown>;
}

const json = <T>(path: string): T => JSON.parse(Deno.readTextFileSync(`${ROOT}${path}`));

/** `name@version` of every npm package in a lockfile, dependencies included. */
function lockedPackages(lock: Lock): string[] {
  return Object.keys(lock.npm).map((k) => k.split("_")[0]).sort();
}

/** What the program's module graph reaches, dynamic imports included. */
async function production(): Promise<{ specifiers: string[]; packages: string[] }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", `${ROOT}main.ts`],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  ok(out.success, decoder.decode(out.stderr));
  const info = JSON.parse(decoder.decode(out.stdout));
  const specifiers = new Set<string>();
  for (const m of info.modules as { dependencies?: { code?: { specifier: string } }[] }[]) {
    for (const d of m.dependencies ?? []) {
      const s = d.code?.specifier ?? "";
      if (s.startsWith("npm:")) specifiers.add(s);
    }
  }
  // Those packages and their dependencies, `name@version`: `deno info` lists the lockfile's whole
  // snapshot in npmPackages, so the closure is walked from what the graph reaches.
  const all: Record<string, { dependencies: string[] }> = info.npmPackages ?? {};
  const todo = [...specifiers].map((s) => {
    const want = s.slice("npm:".length);
    const key = Object.keys(all).find((k) => k === want || k.startsWith(`${want}_`));
    ok(key, `deno info lists no package for ${s}`);
    return key;
  });
  const seen = new Set<string>();
  for (let key = todo.pop(); key !== undefined; key = todo.pop()) {
    if (seen.has(key)) continue;
    seen.add(key);
    todo.push(...all[key].dependencies);
  }
  const packages = [...seen].map((k) => k.split("_")[0]);
  return { specifiers: [...specifiers].sort(), packages: packages.sort() };
}

Deno.test("deno.json imports exactly the npm packages main.ts reaches (dynamic imports included), and its lock holds only them", async () => {
  const config = json<Config>("deno.json");
  const { specifiers, packages } = await production();
  assertEquals(Object.values(config.imports).sort(), specifiers);
  const lock = json<Lock>("deno.lock");
  assertEquals(Object.keys(lock.specifiers).sort(), specifiers);
  assertEquals(lockedPackages(lock), packages);
  assertEquals(config.lock, { path: "./deno.lock", frozen: true });
});

Deno.test("the test config holds deno.json's imports, compiler options and style unchanged, with a frozen lock that agrees on them", () => {
  const prod = json<Config>("deno.json");
  const test = json<Config>("tests/deno.json");
  for (const [name, spec] of Object.entries(prod.imports)) {
    assertEquals(test.imports[name], spec, `tests/deno.json import "${name}"`);
  }
  assertEquals(test.compilerOptions, prod.compilerOptions);
  // `deno fmt FILE` and `deno lint FILE` under tests/ read this config: the same style.
  assertEquals(test.fmt.lineWidth, prod.fmt.lineWidth);
  assertEquals(test.lint.rules, prod.lint.rules);
  assertEquals(test.lock, { path: "./deno.lock", frozen: true });
  const prodLock = json<Lock>("deno.lock");
  const testLock = json<Lock>("tests/deno.lock");
  for (const [key, entry] of Object.entries(prodLock.npm)) {
    assertEquals(testLock.npm[key], entry, `tests/deno.lock entry "${key}"`);
  }
});

Deno.test("a cold run of main.ts (empty DENO_DIR, from outside the checkout) downloads only the production packages", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/cache`);
    await Deno.mkdir(`${dir}/work`);
    await Deno.copyFile(
      `${ROOT}examples/keydrift.yaml`,
      `${dir}/work/keydrift.yaml`,
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--no-prompt",
        "--ignore-env=LOG_TOKENS,LOG_STREAM",
        "--allow-read=.",
        `${ROOT}main.ts`,
        "validate",
        "-m",
        "keydrift.yaml",
      ],
      cwd: `${dir}/work`,
      env: { DENO_DIR: `${dir}/cache`, NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = decoder.decode(out.stderr);
    assertEquals(out.code, 0, `the cold run needs the npm registry: ${stderr}`);
    const { packages } = await production();
    // https://registry.npmjs.org/@sinclair/typebox/-/typebox-0.34.52.tgz: "typebox-0.34.52"
    const tarballs = [...stderr.matchAll(/^Download (\S+\.tgz)$/gm)].map((m) =>
      m[1].replace(/^.*\/-\//, "").replace(/\.tgz$/, "")
    ).sort();
    assertEquals(
      tarballs,
      packages.map((p) => p.replace(/^@[^/]+\//, "").replace("@", "-")).sort(),
    );
    const cached: string[] = [];
    for await (const e of Deno.readDir(`${dir}/cache/npm/registry.npmjs.org`)) {
      if (!e.name.startsWith("@")) cached.push(e.name);
      else {
        for await (
          const s of Deno.readDir(
            `${dir}/cache/npm/registry.npmjs.org/${e.name}`,
          )
        ) {
          cached.push(`${e.name}/${s.name}`);
        }
      }
    }
    assertEquals(
      cached.sort(),
      packages.map((p) => p.replace(/@[^@]+$/, "")).sort(),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
