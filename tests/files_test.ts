/**
 * Files keydrift reads and writes, on the real platform: main.ts spawned with the README's
 * `--allow-read=.` in a scratch directory holding real symlinks to /dev/zero and /dev/urandom, a
 * real FIFO (mkfifo), a sparse 3 GiB file, symlinks and hard links to the files it reads. Every
 * run has a deadline: a hang fails the test instead of stalling the suite.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { assertNoSecret, readExample } from "./_helpers.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const decoder = new TextDecoder();

/** A scratch directory with the example manifest and fake state (`keydrift.yaml`, `state.yaml`). */
async function scratch(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "keydrift-files-" });
  await Deno.writeTextFile(`${dir}/keydrift.yaml`, readExample("keydrift.yaml"));
  await Deno.writeTextFile(`${dir}/state.yaml`, readExample("state.yaml"));
  return dir;
}

interface Spawned {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** keydrift in `dir` with `--allow-read=. --allow-write=.` (and `extra` flags), killed after 20 s. */
async function keydrift(
  dir: string,
  args: string[],
  o: { stdin?: Uint8Array; env?: Record<string, string>; flags?: string[] } = {},
): Promise<Spawned> {
  const started = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-prompt",
      "--config",
      `${ROOT}deno.json`,
      ...(o.flags ?? [
        "--ignore-env=LOG_TOKENS,LOG_STREAM",
        "--allow-env=GITHUB_STEP_SUMMARY,OPENAI_ADMIN_KEY,OPENAI_BASE_URL",
        "--allow-read=.",
        "--allow-write=.",
      ]),
      `${ROOT}main.ts`,
      ...args,
    ],
    cwd: dir,
    env: { NO_COLOR: "1", ...o.env },
    stdin: o.stdin ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(20_000),
  }).spawn();
  if (o.stdin) {
    const writer = child.stdin.getWriter();
    // keydrift stops reading at its cap: the rest of a large input meets a closed pipe.
    await writer.write(o.stdin).catch(() => undefined);
    await writer.close().catch(() => undefined);
  }
  const out = await child.output();
  const r = {
    code: out.code,
    stdout: decoder.decode(out.stdout),
    stderr: decoder.decode(out.stderr),
    ms: performance.now() - started,
  };
  assertNoSecret("stdout", r.stdout);
  assertNoSecret("stderr", r.stderr);
  return r;
}

const FAKE = ["check", "--fake", "state.yaml"];

async function jsonStatus(path: string): Promise<string> {
  return JSON.parse(await Deno.readTextFile(path)).status;
}

async function mkfifo(path: string): Promise<void> {
  const made = await new Deno.Command("mkfifo", { args: [path] }).output();
  ok(made.success, "mkfifo failed");
}

Deno.test("a manifest symlinked to /dev/zero or /dev/urandom is refused before it is read: exit 1, a located message, the json report with status error", async () => {
  const dir = await scratch();
  try {
    for (const device of ["/dev/zero", "/dev/urandom"]) {
      await Deno.remove(`${dir}/keydrift.yaml`).catch(() => undefined);
      await Deno.symlink(device, `${dir}/keydrift.yaml`);
      const r = await keydrift(dir, [...FAKE, "--format", "json=r.json"]);
      assertEquals(r.code, 1, `${device}: ${r.stderr}`);
      ok(
        r.stderr.includes('cannot read manifest "keydrift.yaml": it is not a regular file'),
        r.stderr,
      );
      ok(!r.stderr.includes("    at "), "no stack trace");
      assertEquals(await jsonStatus(`${dir}/r.json`), "error");
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a manifest that is a FIFO is refused without opening it (no hang), exit 1", async () => {
  const dir = await scratch();
  try {
    await mkfifo(`${dir}/pipe.yaml`);
    const r = await keydrift(dir, [...FAKE, "-m", "pipe.yaml"]);
    assertEquals(r.code, 1, r.stderr);
    ok(r.stderr.includes('cannot read manifest "pipe.yaml": it is not a regular file'), r.stderr);
    // A directory of manifests holding one: refused the same way.
    await Deno.mkdir(`${dir}/m`);
    await mkfifo(`${dir}/m/a.yaml`);
    const d = await keydrift(dir, ["validate", "-m", "m"]);
    assertEquals(d.code, 1, d.stderr);
    ok(d.stderr.includes('cannot read manifest "m/a.yaml": it is not a regular file'), d.stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a 3 GiB manifest (sparse) is refused from its size, without being read", async () => {
  const dir = await scratch();
  try {
    const f = await Deno.open(`${dir}/big.yaml`, { write: true, create: true });
    await f.truncate(3 * 1024 ** 3);
    f.close();
    const r = await keydrift(dir, [...FAKE, "-m", "big.yaml"]);
    assertEquals(r.code, 1, r.stderr);
    ok(
      r.stderr.includes(
        'cannot read manifest "big.yaml": it is 3,221,225,472 bytes; a manifest is at most 32 MiB',
      ),
      r.stderr,
    );
    ok(r.ms < 10_000, `${r.ms} ms`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a manifest on stdin over 32 MiB is refused after 32 MiB + 1 bytes, exit 1", async () => {
  const dir = await scratch();
  try {
    const big = new Uint8Array(33 * 1024 * 1024).fill(0x23); // "#": a YAML comment, 33 MiB
    const r = await keydrift(dir, ["validate", "-m", "-"], { stdin: big });
    assertEquals(r.code, 1, r.stderr);
    ok(
      r.stderr.includes('cannot read manifest "<stdin>": stdin holds more than 32 MiB'),
      r.stderr,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a baseline, a fake state and an admin key file symlinked to /dev/zero or a FIFO are refused, exit 1", async () => {
  const dir = await scratch();
  try {
    await Deno.symlink("/dev/zero", `${dir}/zero`);
    await mkfifo(`${dir}/fifo`);
    for (const bad of ["zero", "fifo"]) {
      const cases: [string[], string][] = [
        [[...FAKE, "--baseline", bad], `cannot read baseline "${bad}": it is not a regular file`],
        [["check", "--fake", bad], `cannot read fake state "${bad}": it is not a regular file`],
        [
          ["check", "--admin-key-file", bad],
          `--admin-key-file "${bad}" cannot be read: it is not a regular file`,
        ],
      ];
      for (const [args, message] of cases) {
        const r = await keydrift(dir, [...args, "--format", "json=r.json"]);
        assertEquals(r.code, 1, `${args.join(" ")}: ${r.stderr}`);
        ok(r.stderr.includes(message), r.stderr);
        assertEquals(await jsonStatus(`${dir}/r.json`), "error");
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name:
    "a regular file that holds more than its size says (/proc) is read only to the cap: an admin key file that grows past 4,096 bytes is refused",
  ignore: Deno.build.os !== "linux",
  async fn() {
    const dir = await scratch();
    try {
      // Deno lets only --allow-all (without --ignore-env) read /proc.
      const r = await keydrift(dir, ["check", "--admin-key-file", "/proc/zoneinfo"], {
        flags: ["--allow-all"],
      });
      assertEquals(r.code, 1, r.stderr);
      ok(r.stderr.includes("it grew past 4,096 bytes while it was read"), r.stderr);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("a report path that is the manifest, or a symlink or hard link to it, is refused: the manifest is unchanged, the other reports say error", async () => {
  const dir = await scratch();
  try {
    const manifest = await Deno.readTextFile(`${dir}/keydrift.yaml`);
    await Deno.symlink("keydrift.yaml", `${dir}/sym.json`);
    await Deno.link(`${dir}/keydrift.yaml`, `${dir}/hard.json`);
    for (const target of ["keydrift.yaml", "./keydrift.yaml", "sym.json", "hard.json"]) {
      const r = await keydrift(dir, [
        ...FAKE,
        "--format",
        `sarif=${target}`,
        "--format",
        "json=r.json",
      ]);
      assertEquals(r.code, 1, `${target}: ${r.stderr}`);
      ok(
        r.stderr.includes(`cannot write "${target}": it is the manifest "keydrift.yaml"`),
        r.stderr,
      );
      assertEquals(await Deno.readTextFile(`${dir}/keydrift.yaml`), manifest, target);
      assertEquals(await jsonStatus(`${dir}/r.json`), "error");
    }
    // The fake state, the baseline and the admin key file are inputs too.
    const state = await Deno.readTextFile(`${dir}/state.yaml`);
    const s = await keydrift(dir, [...FAKE, "--format", "json=state.yaml"]);
    assertEquals(s.code, 1, s.stderr);
    ok(s.stderr.includes('it is the fake state "state.yaml"'), s.stderr);
    assertEquals(await Deno.readTextFile(`${dir}/state.yaml`), state);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a report named like a manifest in the -m directory is refused: the next run would read it as a manifest", async () => {
  const dir = await scratch();
  try {
    await Deno.mkdir(`${dir}/m`);
    await Deno.rename(`${dir}/keydrift.yaml`, `${dir}/m/keydrift.yaml`);
    const r = await keydrift(dir, [...FAKE, "-m", "m", "--format", "json=m/report.yaml"]);
    assertEquals(r.code, 1, r.stderr);
    ok(r.stderr.includes('it would be read as a manifest from the manifest "m"'), r.stderr);
    ok(!(await exists(`${dir}/m/report.yaml`)));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("baseline -o and import -o refuse to replace a file the run reads, even with --force", async () => {
  const dir = await scratch();
  try {
    const manifest = await Deno.readTextFile(`${dir}/keydrift.yaml`);
    const b = await keydrift(dir, [
      "baseline",
      "--fake",
      "state.yaml",
      "-o",
      "keydrift.yaml",
      "--force",
    ]);
    assertEquals(b.code, 1, b.stderr);
    ok(b.stderr.includes('cannot write "keydrift.yaml": it is the manifest'), b.stderr);
    const i = await keydrift(dir, [
      "import",
      "--fake",
      "state.yaml",
      "-o",
      "state.yaml",
      "--force",
    ]);
    assertEquals(i.code, 1, i.stderr);
    ok(i.stderr.includes('cannot write "state.yaml": it is the fake state'), i.stderr);
    assertEquals(await Deno.readTextFile(`${dir}/keydrift.yaml`), manifest);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a report path that is a symlink to a file outside is replaced by the report; the file it pointed to is untouched", async () => {
  const dir = await scratch();
  const outside = await Deno.makeTempFile({ prefix: "keydrift-outside-" });
  try {
    await Deno.writeTextFile(outside, "precious\n");
    await Deno.symlink(outside, `${dir}/r.json`);
    const r = await keydrift(dir, [...FAKE, "--format", "json=r.json"]);
    assertEquals(r.code, 2, r.stderr);
    assertEquals(await Deno.readTextFile(outside), "precious\n");
    const info = await Deno.lstat(`${dir}/r.json`);
    ok(info.isFile && !info.isSymlink, "the symlink was replaced by a regular file");
    assertEquals(await jsonStatus(`${dir}/r.json`), "drift");
    // No temporary file is left behind.
    const names = [];
    for await (const e of Deno.readDir(dir)) names.push(e.name);
    assertEquals(names.filter((n) => n.includes("keydrift-tmp")), []);
  } finally {
    await Deno.remove(outside);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a report path that is (a symlink to) a device or a FIFO is refused, neither written through nor replaced", async () => {
  const dir = await scratch();
  try {
    await Deno.symlink("/dev/null", `${dir}/null.json`);
    await mkfifo(`${dir}/fifo.json`);
    for (const target of ["null.json", "fifo.json"]) {
      const r = await keydrift(dir, [...FAKE, "--format", `json=${target}`]);
      assertEquals(r.code, 1, r.stderr);
      ok(r.stderr.includes(`cannot write "${target}": it is not a regular file`), r.stderr);
    }
    ok((await Deno.lstat(`${dir}/null.json`)).isSymlink, "the symlink is left alone");
    ok((await Deno.lstat(`${dir}/fifo.json`)).isFifo, "the FIFO is left alone");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--summary appends to a regular $GITHUB_STEP_SUMMARY and refuses a symlink (the file it points to is untouched)", async () => {
  const dir = await scratch();
  const outside = await Deno.makeTempFile({ prefix: "keydrift-outside-" });
  try {
    await Deno.writeTextFile(`${dir}/summary.md`, "earlier step\n");
    const ok1 = await keydrift(dir, [...FAKE, "--format", "json=r.json", "--summary"], {
      env: { GITHUB_STEP_SUMMARY: "summary.md" },
    });
    assertEquals(ok1.code, 2, ok1.stderr);
    const summary = await Deno.readTextFile(`${dir}/summary.md`);
    ok(summary.startsWith("earlier step\n### ") && summary.includes("keydrift"), summary);

    await Deno.writeTextFile(outside, "precious\n");
    await Deno.symlink(outside, `${dir}/link.md`);
    const bad = await keydrift(dir, [...FAKE, "--format", "json=r.json", "--summary"], {
      env: { GITHUB_STEP_SUMMARY: "link.md" },
    });
    assertEquals(bad.code, 1, bad.stderr);
    ok(bad.stderr.includes('cannot append to "link.md": it is a symlink'), bad.stderr);
    assertEquals(await Deno.readTextFile(outside), "precious\n");
    // The run is an error, and the report it did write says so.
    assertEquals(await jsonStatus(`${dir}/r.json`), "error");
  } finally {
    await Deno.remove(outside);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--timeout -1 and --timeout=-1 are usage errors that still write the requested reports with status error", async () => {
  const dir = await scratch();
  try {
    const r = await keydrift(dir, [
      ...FAKE,
      "--timeout",
      "-1",
      "--format",
      "json=r.json",
      "--format",
      "junit=r.xml",
    ]);
    assertEquals(r.code, 1, r.stderr);
    ok(r.stderr.includes('"-1" looks like a flag; to pass it, write --timeout=-1'), r.stderr);
    assertEquals(await jsonStatus(`${dir}/r.json`), "error");
    ok((await Deno.readTextFile(`${dir}/r.xml`)).includes("<error"));
    await Deno.remove(`${dir}/r.json`);
    const inline = await keydrift(dir, [...FAKE, "--timeout=-1", "--format", "json=r.json"]);
    assertEquals(inline.code, 1, inline.stderr);
    ok(inline.stderr.includes('--timeout must be a positive number of seconds, not "-1"'));
    assertEquals(await jsonStatus(`${dir}/r.json`), "error");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}
