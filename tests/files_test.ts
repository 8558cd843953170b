/**
 * Files keydrift reads, on the real platform: main.ts spawned with the README's `--allow-read=.`
 * in a scratch directory holding real symlinks to /dev/zero and /dev/urandom, a real FIFO
 * (mkfifo), a sparse 3 GiB file and a /proc file larger than its stated size.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { FAKE, jsonStatus, keydrift, mkfifo, scratch } from "./_spawn.ts";

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

Deno.test("a byte that is not UTF-8 in a manifest, a baseline, a fake state, stdin or an admin key file is a located error (file:line:column), exit 1, never read as U+FFFD", async () => {
  const dir = await scratch();
  try {
    const text = await Deno.readTextFile(`${dir}/keydrift.yaml`);
    // `billing-worker-prod` with 0xFF for its `-`: as U+FFFD it would be a missing and an
    // unexpected key (exit 2), which validate would call valid.
    const at = text.indexOf("billing-worker-prod");
    const bad = (t: string, i: number) => {
      const b = new TextEncoder().encode(t.slice(0, i) + "X" + t.slice(i + 1));
      b[new TextEncoder().encode(t.slice(0, i)).length] = 0xff;
      return b;
    };
    const line = text.slice(0, at).split("\n").length;
    const column = at - text.lastIndexOf("\n", at - 1) + 7; // the 8th character of the name
    await Deno.writeFile(`${dir}/bad.yaml`, bad(text, at + 7));
    const where = `bad.yaml:${line}:${column}: not valid UTF-8 (byte 0xFF)`;
    const v = await keydrift(dir, ["validate", "-m", "bad.yaml"]);
    assertEquals(v.code, 1, v.stderr);
    ok(v.stderr.includes(where), v.stderr);
    const c = await keydrift(dir, [...FAKE, "-m", "bad.yaml", "--format", "json=r.json"]);
    assertEquals(c.code, 1, c.stderr);
    ok(c.stderr.includes(where), c.stderr);
    assertEquals(await jsonStatus(`${dir}/r.json`), "error");
    const s = await keydrift(dir, ["validate", "-m", "-"], { stdin: bad(text, at + 7) });
    assertEquals(s.code, 1, s.stderr);
    ok(s.stderr.includes(`<stdin>:${line}:${column}: not valid UTF-8`), s.stderr);
    // The other files keydrift reads, each with a bad byte on its second line.
    await Deno.writeFile(`${dir}/b.json`, new Uint8Array([0x7b, 0x0a, 0x20, 0x22, 0xc0, 0x22]));
    await Deno.writeFile(`${dir}/s.yaml`, new Uint8Array([0x23, 0x0a, 0x61, 0xe0, 0x80, 0x3a]));
    await Deno.writeFile(`${dir}/k`, new Uint8Array([0x0a, 0x73, 0x6b, 0xed, 0xa0, 0x80]));
    const others: [string[], string][] = [
      [[...FAKE, "--baseline", "b.json"], "b.json:2:3: not valid UTF-8 (byte 0xC0)"],
      [["check", "--fake", "s.yaml"], "s.yaml:2:2: not valid UTF-8 (byte 0xE0)"],
      [["check", "--admin-key-file", "k"], "k:2:3: not valid UTF-8 (byte 0xED)"],
    ];
    for (const [args, message] of others) {
      const r = await keydrift(dir, [...args, "--format", "json=r.json"]);
      assertEquals(r.code, 1, `${args.join(" ")}: ${r.stderr}`);
      ok(r.stderr.includes(message), r.stderr);
      assertEquals(await jsonStatus(`${dir}/r.json`), "error");
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
