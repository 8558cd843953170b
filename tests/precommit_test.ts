/**
 * The pre-commit hook as users get it: Debian's pre-commit (3.0.4) installs this repository's
 * .pre-commit-hooks.yaml from a git clone of the working tree, with the README's configuration.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { testWithTools } from "./_tools.ts";
import { blockUnder } from "./_docs.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const decoder = new TextDecoder();
const GIT_ENV = {
  GIT_AUTHOR_NAME: "keydrift test",
  GIT_AUTHOR_EMAIL: "test@example.test",
  GIT_COMMITTER_NAME: "keydrift test",
  GIT_COMMITTER_EMAIL: "test@example.test",
  GIT_CONFIG_NOSYSTEM: "1",
};

async function sh(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}) {
  const out = await new Deno.Command(cmd, {
    args,
    cwd,
    env: { ...GIT_ENV, ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, text: decoder.decode(out.stdout) + decoder.decode(out.stderr) };
}

async function must(cmd: string, args: string[], cwd: string, env?: Record<string, string>) {
  const r = await sh(cmd, args, cwd, env);
  assertEquals(r.code, 0, `${cmd} ${args.join(" ")}: ${r.text}`);
  return r.text;
}

/** A git repository holding this working tree (tracked and new files), committed; its commit. */
async function hookRepo(dir: string): Promise<string> {
  const list = await must(
    "git",
    ["ls-files", "-z", "--cached", "--others", "--exclude-standard"],
    ROOT,
  );
  await must("git", ["init", "-q", dir], ROOT);
  for (const f of list.split("\0").filter(Boolean)) {
    const to = `${dir}/${f}`;
    await Deno.mkdir(to.slice(0, to.lastIndexOf("/")), { recursive: true });
    try {
      await Deno.copyFile(`${ROOT}${f}`, to);
      await Deno.chmod(to, (await Deno.stat(`${ROOT}${f}`)).mode! & 0o777);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e; // deleted in the working tree
    }
  }
  await must("git", ["add", "-A"], dir);
  await must("git", ["commit", "-q", "-m", "hook repo"], dir);
  return (await must("git", ["rev-parse", "HEAD"], dir)).trim();
}

/** The README's pre-commit configuration, pointed at `repo` and `rev`. */
function readmeConfig(repo: string, rev: string): string {
  const block = blockUnder("README.md", "### Pre-commit", "yaml").text;
  ok(/^\s+- repo: \S+$/m.test(block) && /^\s+rev: \S+$/m.test(block), block);
  return block.replace(/^(\s+- repo: )\S+$/m, `$1${repo}`).replace(/^(\s+rev: )\S+$/m, `$1${rev}`);
}

/** A consumer repository with the README's config and a split production manifest. */
async function consumer(dir: string, hooks: string, rev: string): Promise<void> {
  await must("git", ["init", "-q", dir], ROOT);
  await Deno.mkdir(`${dir}/keydrift`);
  await Deno.copyFile(`${ROOT}tests/fixtures/split/projects.yaml`, `${dir}/keydrift/projects.yaml`);
  await Deno.copyFile(`${ROOT}tests/fixtures/split/waivers.yaml`, `${dir}/keydrift/waivers.yaml`);
  await Deno.copyFile(`${ROOT}examples/keydrift.yaml`, `${dir}/keydrift/staging.yaml`);
  await Deno.writeTextFile(`${dir}/.pre-commit-config.yaml`, readmeConfig(hooks, rev));
  await must("git", ["add", "-A"], dir);
  await must("git", ["commit", "-q", "-m", "manifests"], dir);
}

testWithTools(
  "Debian's pre-commit runs the README's hook configuration: a valid split manifest passes, even with only the waivers file changed",
  ["pre-commit"],
  async ({ "pre-commit": preCommit }) => {
    const tmp = await Deno.makeTempDir();
    try {
      const env = { PRE_COMMIT_HOME: `${tmp}/cache` };
      const rev = await hookRepo(`${tmp}/hooks`);
      await consumer(`${tmp}/work`, `${tmp}/hooks`, rev);
      const version = await must(preCommit, ["--version"], tmp);
      ok(/^pre-commit \d/.test(version), version);
      const all = await sh(preCommit, ["run", "--all-files"], `${tmp}/work`, env);
      assertEquals(all.code, 0, all.text);
      ok(/keydrift validate\.+Passed/.test(all.text), all.text);
      ok(/keydrift validate \(staging\)\.+Passed/.test(all.text), all.text);
      // Only the waivers file staged: the hook still validates it beside the projects it names.
      await Deno.writeTextFile(
        `${tmp}/work/keydrift/waivers.yaml`,
        (await Deno.readTextFile(`${tmp}/work/keydrift/waivers.yaml`)).replace(
          "on leave until January",
          "on leave until February",
        ),
      );
      await must("git", ["add", "keydrift/waivers.yaml"], `${tmp}/work`);
      const staged = await sh(preCommit, ["run"], `${tmp}/work`, env);
      assertEquals(staged.code, 0, staged.text);
      ok(/keydrift validate\.+Passed/.test(staged.text), staged.text);
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
);

testWithTools(
  "Debian's pre-commit fails the README's hook on an invalid manifest with the located error",
  ["pre-commit"],
  async ({ "pre-commit": preCommit }) => {
    const tmp = await Deno.makeTempDir();
    try {
      const env = { PRE_COMMIT_HOME: `${tmp}/cache` };
      await consumer(`${tmp}/work`, `${tmp}/hooks`, await hookRepo(`${tmp}/hooks`));
      const path = `${tmp}/work/keydrift/projects.yaml`;
      const text = await Deno.readTextFile(path);
      await Deno.writeTextFile(
        path,
        text.replace("  - id: proj_legacy", "  - id: proj_legacy\n    kes: []"),
      );
      const line = text.split("\n").indexOf("  - id: proj_legacy") + 2;
      const r = await sh(preCommit, ["run", "--all-files"], `${tmp}/work`, env);
      assertEquals(r.code, 1, r.text);
      ok(/keydrift validate\.+Failed/.test(r.text), r.text);
      ok(
        r.text.includes(
          `keydrift/projects.yaml:${line}:5: unknown field "kes" in project entry (did you mean "keys"?)`,
        ),
        r.text,
      );
      ok(/keydrift validate \(staging\)\.+Passed/.test(r.text), "the staging set is its own");
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
);

Deno.test(".pre-commit-hooks.yaml declares a hook every pre-commit since 3.0.4 loads, fed no file names", async () => {
  const { parse } = await import("yaml");
  const [hook] = parse(await Deno.readTextFile(`${ROOT}.pre-commit-hooks.yaml`));
  assertEquals(
    [hook.id, hook.entry, hook.language, hook.pass_filenames, hook.minimum_pre_commit_version],
    ["keydrift-validate", "hooks/validate.sh", "script", false, "3.0.4"],
  );
  const files = new RegExp(hook.files);
  for (const p of ["keydrift.yaml", "infra/keydrift.prod.yml", "keydrift/waivers.yaml"]) {
    ok(files.test(p), p);
  }
  for (const p of ["other.yaml", "keydrift.schema.json"]) ok(!files.test(p), p);
});

Deno.test("the hook script without Deno on PATH exits 1 and says how to install it", async () => {
  const empty = await Deno.makeTempDir();
  try {
    const out = await new Deno.Command(findBash(), {
      args: [`${ROOT}hooks/validate.sh`],
      cwd: ROOT,
      env: { PATH: empty },
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assertEquals(out.code, 1);
    const err = decoder.decode(out.stderr);
    ok(
      err.includes("Deno 2.9 or later must be on PATH") && err.includes("npm install -g deno"),
      err,
    );
  } finally {
    await Deno.remove(empty, { recursive: true });
  }
});

Deno.test("the hook script validates keydrift.yaml by default and passes its args to validate", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.copyFile(`${ROOT}examples/keydrift.yaml`, `${dir}/keydrift.yaml`);
    const good = await sh(`${ROOT}hooks/validate.sh`, [], dir);
    assertEquals(good.code, 0, good.text);
    ok(!good.text.includes("keydrift.yaml"), `--quiet: ${good.text}`); // (Deno may log downloads)
    const split = [
      "-m",
      `tests/fixtures/split/projects.yaml`,
      "-m",
      "tests/fixtures/split/waivers.yaml",
    ];
    assertEquals((await sh(`${ROOT}hooks/validate.sh`, split, ROOT)).code, 0);
    const alone = await sh(`${ROOT}hooks/validate.sh`, split.slice(2), ROOT);
    assertEquals(alone.code, 1);
    ok(
      alone.text.includes('waiver names project "proj_payments", which no manifest declares'),
      alone.text,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

function findBash(): string {
  for (const p of ["/usr/bin/bash", "/bin/bash"]) {
    try {
      if (Deno.statSync(p).isFile) return p;
    } catch {
      // next
    }
  }
  throw new Error("bash not found");
}
