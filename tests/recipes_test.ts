/**
 * README's install and CI recipes, run as written in clean temporary directories against the fake
 * Admin API: GitLab CI and any other CI (keydrift from its published sources, pinned by a lock),
 * the release binaries' checksum check, and the Dockerfile. There is no network here, so a local
 * HTTP server stands in for raw.githubusercontent.com and for the GitHub release (serving this
 * working tree, and stand-in binaries); the URL and the `--allow-import` host are the only words
 * changed. Docker cannot run here either: the Dockerfile is linted, then its steps are carried out.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { parse } from "yaml";
import { createFakeApi } from "../lib/fake/mod.ts";
import { scopedFlags } from "../lib/commands/permissions.ts";
import { VERSION } from "../lib/core/version.ts";
import { ADMIN_KEY, assertValidReport, readExample, stateFrom } from "./_helpers.ts";
import { type Block, blocks, blockUnder, docFiles, readmeLines } from "./_docs.ts";
import { testWithTools } from "./_tools.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const RAW = `https://raw.githubusercontent.com/keydrift/keydrift/v${VERSION}`;
const RELEASES = `https://github.com/keydrift/keydrift/releases/download/v${VERSION}`;
const decoder = new TextDecoder();

/** Blocks of README and docs/ tagged `tag`: each is run by a test in this file. */
function tagged(tag: string): Block[] {
  return docFiles().flatMap(blocks).filter((b) => b.lang === "sh" && b.tags.includes(tag));
}

/** A local server for `prefix/...` paths: this working tree's files, or `files` by name. */
function standIn(prefix: string, files: Map<string, Uint8Array<ArrayBuffer>> | null = null) {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const path = decodeURIComponent(new URL(req.url).pathname);
    if (!path.startsWith(`${prefix}/`)) return new Response("404: Not Found", { status: 404 });
    const name = path.slice(prefix.length + 1);
    const body = files ? files.get(name) : await Deno.readFile(`${ROOT}${name}`).catch(() => null);
    if (!body || name.includes("..")) return new Response("404: Not Found", { status: 404 });
    // raw.githubusercontent.com serves every file as text/plain.
    return new Response(body, { headers: { "content-type": "text/plain; charset=utf-8" } });
  });
  const host = `127.0.0.1:${server.addr.port}`;
  return { base: `http://${host}${prefix}`, host, close: () => server.shutdown() };
}

/** `text` pointed at the stand-in for raw.githubusercontent.com. */
function local(text: string, s: { base: string; host: string }): string {
  return text.replaceAll(RAW, s.base).replaceAll(
    "--allow-import=raw.githubusercontent.com",
    `--allow-import=${s.host}`,
  );
}

/** The fake Admin API over loopback, seeded from the example organisation. */
function fakeApi() {
  const api = createFakeApi(stateFrom(readExample("state.yaml"), Math.floor(Date.now() / 1000)));
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, api.handler);
  return { url: `http://127.0.0.1:${server.addr.port}/v1`, close: () => server.shutdown() };
}

/** Runs a shell script with `bash -e` in `cwd`; Deno on the PATH, `env` added. */
async function sh(script: string, cwd: string, env: Record<string, string> = {}) {
  const deno = Deno.execPath().replace(/\/[^/]+$/, "");
  const out = await new Deno.Command("bash", {
    args: ["-e", "-c", script],
    cwd,
    env: { NO_COLOR: "1", PATH: `${deno}:${Deno.env.get("PATH") ?? ""}`, ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

/** A consumer repository: the example manifest, and a deno.json of its own that keydrift ignores. */
async function consumerRepo(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "keydrift-consumer-" });
  await Deno.writeTextFile(`${dir}/keydrift.yaml`, readExample("keydrift.yaml"));
  await Deno.writeTextFile(
    `${dir}/yaml.ts`,
    'throw new Error("the repository\'s own yaml ran");\n',
  );
  await Deno.writeTextFile(`${dir}/deno.json`, JSON.stringify({ imports: { yaml: "./yaml.ts" } }));
  return dir;
}

/** README's one-time `deno cache` line (GitLab CI section), run in `dir`: writes keydrift.lock. */
async function lockOnce(dir: string, raw: { base: string; host: string }) {
  const [once] = tagged("remote");
  assertEquals([once.file, once.heading], ["README.md", "### GitLab CI"]);
  const r = await sh(local(once.text, raw), dir, { DENO_DIR: `${dir}/.cache-dev` });
  assertEquals(r.code, 0, r.stderr);
  const lock = JSON.parse(await Deno.readTextFile(`${dir}/keydrift.lock`));
  ok(Object.keys(lock.remote).some((u) => u.endsWith("/lib/commands/check.ts")), "dynamic imports");
}

const GITLAB = () => parse(blockUnder("README.md", "### GitLab CI", "yaml").text).keydrift;

testWithTools(
  "README's GitLab CI recipe, run as written in a clean directory against the fake: exit 2, JUnit xmllint accepts, Code Quality with GitLab's fields",
  ["xmllint"],
  async (tools) => {
    const raw = standIn(`/keydrift/keydrift/v${VERSION}`);
    const fake = fakeApi();
    const dir = await consumerRepo();
    try {
      await lockOnce(dir, raw);
      const job = GITLAB();
      assertEquals(job.image, "denoland/deno:2.9.6");
      assertEquals(job.variables, { KEYDRIFT: RAW });
      const env = {
        KEYDRIFT: local(job.variables.KEYDRIFT, raw),
        DENO_DIR: `${dir}/.cache-job`, // a CI job starts with an empty cache
        OPENAI_ADMIN_KEY: ADMIN_KEY,
        OPENAI_BASE_URL: fake.url,
      };
      const r = await sh(job.script.map((l: string) => local(l, raw)).join("\n"), dir, env);
      assertEquals(r.code, 2, r.stderr);
      ok(r.stdout.includes("Drift: keys 1 missing"), r.stdout);
      const reports = job.artifacts.reports;
      const issues = JSON.parse(await Deno.readTextFile(`${dir}/${reports.codequality}`));
      ok(issues.length > 5, "Code Quality issues");
      for (const i of issues) {
        ok(i.description && i.check_name && i.fingerprint && i.severity, JSON.stringify(i));
        assertEquals(i.location.path, "keydrift.yaml");
      }
      const lint = await new Deno.Command(tools.xmllint, {
        args: ["--noout", "--schema", `${ROOT}tests/fixtures/schemas/junit-10.xsd`, reports.junit],
        cwd: dir,
        stderr: "piped",
      }).output();
      ok(lint.success, decoder.decode(lint.stderr));
      assertEquals(job.artifacts.paths, ["keydrift-reports/"]);
      const text = await Deno.readTextFile(`${dir}/keydrift-reports/keydrift.json`);
      await assertValidReport("keydrift.json", text);
      assertEquals(JSON.parse(text).status, "drift");
    } finally {
      await Promise.all([raw.close(), fake.close()]);
      await Deno.remove(dir, { recursive: true });
    }
  },
);

Deno.test("README's recipe for any other CI, run as written in a clean directory against the fake: exit 2 and its reports", async () => {
  const raw = standIn(`/keydrift/keydrift/v${VERSION}`);
  const fake = fakeApi();
  const dir = await consumerRepo();
  try {
    await lockOnce(dir, raw);
    const [, other] = tagged("remote");
    assertEquals([other.file, other.heading], ["README.md", "### Any other CI"]);
    const r = await sh(local(other.text, raw), dir, {
      DENO_DIR: `${dir}/.cache-job`,
      OPENAI_ADMIN_KEY: ADMIN_KEY,
      OPENAI_BASE_URL: fake.url,
    });
    assertEquals(r.code, 2, r.stderr);
    ok(!r.stderr.includes("the repository's own yaml ran"));
    const text = await Deno.readTextFile(`${dir}/keydrift-reports/keydrift.json`);
    await assertValidReport("keydrift.json", text);
    const json = JSON.parse(text);
    assertEquals([json.status, json.exit_code], ["drift", 2]);
    ok((await Deno.readTextFile(`${dir}/keydrift-reports/keydrift.xml`)).startsWith("<?xml"));
  } finally {
    await Promise.all([raw.close(), fake.close()]);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("with the committed keydrift.lock, a file changed at the pinned URL fails the CI recipe instead of running", async () => {
  const raw = standIn(`/keydrift/keydrift/v${VERSION}`);
  const dir = await consumerRepo();
  try {
    await lockOnce(dir, raw);
    // The same URL now serves another lib/core/version.ts, as a moved tag would.
    const copy = await Deno.makeTempDir();
    await sh(`cp -r "${ROOT}main.ts" "${ROOT}deno.json" "${ROOT}lib" "${ROOT}policies" .`, copy);
    await Deno.writeTextFile(`${copy}/lib/core/version.ts`, 'export const VERSION = "6.6.6";\n');
    const moved = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
      const name = new URL(req.url).pathname.replace(`/keydrift/keydrift/v${VERSION}/`, "");
      const body = await Deno.readFile(`${copy}/${name}`).catch(() => null);
      return body ? new Response(body) : new Response("404", { status: 404 });
    });
    try {
      const [, other] = tagged("remote");
      const at = { base: raw.base.replace(raw.host, `127.0.0.1:${moved.addr.port}`) };
      const lockText = await Deno.readTextFile(`${dir}/keydrift.lock`);
      await Deno.writeTextFile(
        `${dir}/keydrift.lock`,
        lockText.replaceAll(raw.host, `127.0.0.1:${moved.addr.port}`),
      );
      const r = await sh(local(other.text, { ...at, host: `127.0.0.1:${moved.addr.port}` }), dir, {
        DENO_DIR: `${dir}/.cache-job`,
      });
      ok(r.code !== 0 && r.code !== 2, `exit ${r.code}: ${r.stdout}`);
      ok(/integrity check failed/i.test(r.stderr), r.stderr);
      ok(!r.stdout.includes("6.6.6"), r.stdout);
    } finally {
      await moved.shutdown();
      await Deno.remove(copy, { recursive: true });
    }
  } finally {
    await raw.close();
    await Deno.remove(dir, { recursive: true });
  }
});

/** Stand-in release assets: a small script per binary name, and SHA256SUMS made as the workflow makes it. */
async function standInRelease(
  dir: string,
  tamper: boolean,
): Promise<Map<string, Uint8Array<ArrayBuffer>>> {
  const names = [
    "x86_64-unknown-linux-gnu",
    "aarch64-unknown-linux-gnu",
    "x86_64-apple-darwin",
    "aarch64-apple-darwin",
    "x86_64-pc-windows-msvc.exe",
  ].map((t) => `keydrift-${t}`);
  const workflow = await Deno.readTextFile(`${ROOT}.github/workflows/release.yml`);
  const checksum = /\n\s+(sha256sum keydrift-\* >SHA256SUMS)\n/.exec(workflow)?.[1];
  ok(checksum, "the release workflow's checksum line");
  for (const n of names) {
    await Deno.writeTextFile(`${dir}/${n}`, `#!/bin/sh\necho "keydrift ${VERSION}"\n`);
  }
  assertEquals((await sh(checksum, dir)).code, 0);
  const files = new Map<string, Uint8Array<ArrayBuffer>>();
  for (const n of [...names, "SHA256SUMS"]) files.set(n, await Deno.readFile(`${dir}/${n}`));
  if (tamper) files.set(names[0], new TextEncoder().encode("#!/bin/sh\necho pwned\n"));
  return files;
}

for (const tamper of [false, true]) {
  Deno.test(`README's release binary recipe ${tamper ? "refuses a download whose checksum differs" : "downloads, verifies the checksum and runs the binary"}`, async () => {
    const assets = await Deno.makeTempDir();
    const dir = await Deno.makeTempDir();
    const release = standIn(
      `/keydrift/keydrift/releases/download/v${VERSION}`,
      await standInRelease(assets, tamper),
    );
    try {
      const [block] = tagged("release");
      assertEquals([block.file, block.heading], ["README.md", "### Release binaries"]);
      const r = await sh(block.text.replaceAll(RELEASES, release.base), dir);
      if (tamper) {
        assertEquals(r.code, 1, r.stdout);
        ok(r.stdout.includes("keydrift-x86_64-unknown-linux-gnu: FAILED"), r.stdout);
        ok(!r.stdout.includes("pwned"));
      } else {
        assertEquals([r.code, r.stdout.split("\n").at(-2)], [0, `keydrift ${VERSION}`], r.stderr);
        ok(r.stdout.includes("keydrift-x86_64-unknown-linux-gnu: OK"), r.stdout);
      }
    } finally {
      await release.close();
      await Deno.remove(assets, { recursive: true });
      await Deno.remove(dir, { recursive: true });
    }
  });
}

// ---- Docker ----

const DOCKERFILE = Deno.readTextFileSync(`${ROOT}Dockerfile`);

/** The Dockerfile's instructions (comments and continuation lines handled). */
function instructions(): { op: string; arg: string }[] {
  return DOCKERFILE.replace(/\\\n/g, " ").split("\n").filter((l) => l.trim() && !l.startsWith("#"))
    .map((l) => {
      const [op, ...rest] = l.trim().split(/\s+/);
      return { op, arg: rest.join(" ") };
    });
}

testWithTools(
  "dockerfile-utils (a Dockerfile parser and linter) finds no problem in the Dockerfile",
  ["dockerfile-utils"],
  async (t) => {
    const out = await new Deno.Command(t["dockerfile-utils"], {
      args: ["lint", `${ROOT}Dockerfile`],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assertEquals(out.code, 0, decoder.decode(out.stdout) + decoder.decode(out.stderr));
    // It does lint: an unknown instruction is found.
    const dir = await Deno.makeTempDir();
    try {
      await Deno.writeTextFile(
        `${dir}/Dockerfile`,
        DOCKERFILE.replace("WORKDIR /work", "WORKDR /work"),
      );
      const bad = await new Deno.Command(t["dockerfile-utils"], {
        args: ["lint", `${dir}/Dockerfile`],
        stdout: "piped",
      }).output();
      assertEquals(bad.code, 1);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

Deno.test("the Dockerfile is the official Deno image of the pinned version, with the scoped set in its entry point", () => {
  const ops = instructions();
  assertEquals(ops[0], { op: "FROM", arg: "denoland/deno:2.9.6" });
  const action = Deno.readTextFileSync(`${ROOT}action.yml`);
  ok(action.includes("deno-version: v2.9.6"), "the action pins the same Deno");
  const entry: string[] = JSON.parse(ops.find((o) => o.op === "ENTRYPOINT")!.arg);
  assertEquals(entry.slice(0, 3), ["deno", "run", "--cached-only"]);
  assertEquals(entry.slice(3, 3 + scopedFlags().length), scopedFlags());
  assertEquals(entry.slice(3 + scopedFlags().length), [
    "--config",
    "/app/deno.json",
    "/app/main.ts",
  ]);
});

Deno.test("the Dockerfile's steps, carried out without Docker, give a keydrift that runs docs/install.md's docker run arguments from cache alone", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "keydrift-image-" });
  const at = (p: string) =>
    p.replace(/^\/app\b/, `${tmp}/app`).replace(/^\/deno-dir\b/, `${tmp}/deno-dir`).replace(
      /^\/work\b/,
      `${tmp}/work`,
    );
  try {
    let cwd = tmp;
    let entry: string[] = [];
    for (const { op, arg } of instructions()) {
      if (op === "WORKDIR") await Deno.mkdir(cwd = at(arg), { recursive: true });
      if (op === "COPY") {
        const words = arg.split(" ");
        const dest = words.at(-1)!;
        for (const src of words.slice(0, -1)) {
          const r = await sh(
            `cp -r "${ROOT}${src.replace(/\/$/, "")}" "${cwd}/${dest === "./" ? "" : dest}"`,
            ROOT,
          );
          assertEquals(r.code, 0, r.stderr);
        }
      }
      if (op === "RUN") {
        const r = await sh(arg.replaceAll("/deno-dir", `${tmp}/deno-dir`), cwd, {
          DENO_DIR: `${tmp}/deno-dir`,
        });
        assertEquals(r.code, 0, r.stderr);
      }
      if (op === "ENTRYPOINT") entry = (JSON.parse(arg) as string[]).map(at);
    }
    await Deno.writeTextFile(
      `${tmp}/work/keydrift.yaml`,
      readExample("keydrift.yaml").replace("projects:", "projects: &p"),
    );
    await Deno.writeTextFile(`${tmp}/work/state.yaml`, readExample("state.yaml"));
    const docker = blockUnder("docs/install.md", "## Docker", "sh").text.split("\n")
      .find((l) => l.startsWith("docker run "))!;
    const args = docker.slice(docker.indexOf(" keydrift ") + " keydrift ".length).split(" ");
    assertEquals(args, ["check", "-m", "keydrift.yaml"]);
    // From the image's cache alone (--cached-only fails rather than fetch what is missing); the
    // anchor in the manifest takes it to the yaml package, schema --report to typebox.
    const env = { DENO_DIR: `${tmp}/deno-dir` };
    const quoted = (a: string[]) => a.map((w) => `'${w}'`).join(" ");
    const check = await sh(
      `${quoted(entry)} ${quoted(args)} --fake state.yaml --format json=r.json`,
      `${tmp}/work`,
      env,
    );
    assertEquals(check.code, 2, check.stderr);
    assertEquals(JSON.parse(await Deno.readTextFile(`${tmp}/work/r.json`)).status, "drift");
    const schema = await sh(`${quoted(entry)} schema --report`, `${tmp}/work`, env);
    assertEquals([schema.code, JSON.parse(schema.stdout).$schema], [
      0,
      "http://json-schema.org/draft-07/schema#",
    ], schema.stderr);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("every README and docs block tagged remote, release or docker is one this file runs", () => {
  assertEquals(tagged("remote").map((b) => b.heading), ["### GitLab CI", "### Any other CI"]);
  assertEquals(tagged("release").map((b) => b.heading), ["### Release binaries"]);
  assertEquals(tagged("docker").map((b) => [b.file, b.heading]), [[
    "docs/install.md",
    "## Docker",
  ]]);
});

Deno.test("permission flags have one source: the scoped set in the install line, the CI recipes (writing to keydrift-reports), the Dockerfile, the compile and drift tasks", () => {
  const flags = scopedFlags().join(" ");
  const install = readmeLines().find((l) => l.startsWith("deno install -g "))!;
  ok(install.includes(` ${flags} main.ts`), install);
  const ci = flags.replace("--allow-write=.", "--allow-write=keydrift-reports");
  for (const line of [GITLAB().script[1], tagged("remote")[1].text]) {
    ok(line.includes(` ${ci} "$KEYDRIFT/main.ts" check `), line);
  }
  const tasks = JSON.parse(Deno.readTextFileSync(`${ROOT}deno.json`)).tasks;
  ok(tasks.drift.command.startsWith(`deno run ${flags} main.ts`));
  ok(tasks.compile.command.startsWith(`deno compile ${flags} `));
});
