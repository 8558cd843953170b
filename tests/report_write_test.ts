/**
 * Files keydrift writes, on the real platform: reports, baselines and imported manifests never
 * replace a file the run reads (by path, symlink or hard link), are never written through a
 * symlink or into a device or FIFO, the step summary is appended to only when it is a regular file,
 * and every early exit still writes the reports asked for.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { exists, FAKE, jsonStatus, keydrift, mkfifo, scratch } from "./_spawn.ts";

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
    ok(r.stderr.includes('--timeout must be a positive number of seconds, not "-1"'), r.stderr);
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

Deno.test("two --format targets that are one file (same path, ./path, a symlink) are refused: the first report is written with status error, the second never", async () => {
  const dir = await scratch();
  try {
    await Deno.writeTextFile(`${dir}/keep.json`, "");
    await Deno.symlink("keep.json", `${dir}/alias.out`);
    for (const second of ["keep.json", "./keep.json", "alias.out"]) {
      const r = await keydrift(dir, [
        ...FAKE,
        "--format",
        "json=keep.json",
        "--format",
        `sarif=${second}`,
      ]);
      assertEquals(r.code, 1, `${second}: ${r.stderr}`);
      ok(
        r.stderr.includes(
          `--format sarif=${second} writes the same file as --format json=keep.json; give each report its own file`,
        ),
        r.stderr,
      );
      // The JSON report, not a SARIF log over it.
      assertEquals(await jsonStatus(`${dir}/keep.json`), "error", second);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a $GITHUB_STEP_SUMMARY that is the file of a --format report is refused: the report is written whole (status error), nothing appended to it", async () => {
  const dir = await scratch();
  try {
    const r = await keydrift(dir, [...FAKE, "--summary", "--format", "json=r.json"], {
      env: { GITHUB_STEP_SUMMARY: "./r.json" },
    });
    assertEquals(r.code, 1, r.stderr);
    ok(
      r.stderr.includes(
        '$GITHUB_STEP_SUMMARY "./r.json" is the file of --format json=r.json, and the summary would be appended to that report',
      ),
      r.stderr,
    );
    // Valid JSON alone: no markdown after it.
    assertEquals(await jsonStatus(`${dir}/r.json`), "error");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
