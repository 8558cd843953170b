/**
 * Family globs (SPEC 11.4, docs/manifest.md#key-families): `*`, `?`, `\`, anchored. Answers agree
 * with a reference (JavaScript's RegExp over the same glob) on random globs and names, and the
 * work is bounded by (name length + 2) x (glob length + 1) steps whatever both are: counted, not
 * timed, so the bound holds on any machine.
 */
import { deepStrictEqual as assertEquals, ok, throws } from "node:assert/strict";
import fc from "fast-check";
import { compileGlob, globEscape, globProblem } from "../lib/core/glob.ts";

/** The glob as a JavaScript regular expression: what the matcher must agree with. */
function reference(glob: string): RegExp {
  let out = "";
  let escaped = false;
  for (const c of glob) {
    if (escaped) {
      out += c.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");
      escaped = false;
    } else if (c === "\\") escaped = true;
    else if (c === "*") out += "[^]*";
    else if (c === "?") out += "[^]";
    else out += c.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");
  }
  return new RegExp(`^${out}$`, "u");
}

/** Characters that make collisions likely, wildcards, escapes and one outside the BMP. */
const alphabet = fc.constantFrom("a", "b", "-", "*", "?", "\\", "😀");
const globs = fc.array(alphabet, { minLength: 1, maxLength: 12 }).map((cs) => cs.join(""))
  .filter((g) => globProblem(g) === null);
const names = fc.array(fc.constantFrom("a", "b", "-", "*", "?", "\\", "😀"), { maxLength: 16 })
  .map((cs) => cs.join(""));

/** The linear-time bound, in the matcher's unit (one comparison or one start position). */
const bound = (glob: string, name: string) =>
  (Array.from(name).length + 2) * (Array.from(glob).length + 1);

Deno.test("compileGlob() agrees with a regular expression on random globs and names", () => {
  fc.assert(
    fc.property(globs, names, (glob, name) => {
      assertEquals(compileGlob(glob).matches(name), reference(glob).test(name), `${glob} ${name}`);
    }),
    { numRuns: 5_000 },
  );
});

Deno.test("compileGlob() agrees with a regular expression on names built to match the glob", () => {
  // Random names rarely match a long glob: these are made from it (each * and ? filled).
  const filled = globs.chain((glob) =>
    fc.tuple(fc.constant(glob), fc.array(names, { minLength: 12, maxLength: 12 }))
  ).map(([glob, fill]) => {
    let i = 0;
    let escaped = false;
    let name = "";
    for (const c of glob) {
      if (escaped) (name += c, escaped = false);
      else if (c === "\\") escaped = true;
      else if (c === "*") name += fill[i++ % fill.length];
      else if (c === "?") name += Array.from(fill[i++ % fill.length])[0] ?? "x";
      else name += c;
    }
    return [glob, name] as const;
  });
  fc.assert(
    fc.property(filled, ([glob, name]) => {
      assertEquals(compileGlob(glob).matches(name), reference(glob).test(name), `${glob} ${name}`);
    }),
    { numRuns: 5_000 },
  );
});

Deno.test("a glob's work is at most (name + 2) x (glob + 1) steps on random globs and names", () => {
  fc.assert(
    fc.property(globs, names, (glob, name) => {
      const { steps } = compileGlob(glob).work(name);
      ok(steps <= bound(glob, name), `${glob} on ${name}: ${steps} > ${bound(glob, name)}`);
    }),
    { numRuns: 5_000 },
  );
});

Deno.test("a glob that backtracks as a regular expression takes linear work on a hostile name", () => {
  // As regular expressions these take time exponential (or polynomial of high degree) in n.
  for (const glob of ["*aaaaaaaab*", "*a?a?a?a?b*", "*a*a*a*a*a*b*", "a*a*a*a*a*a*a*a*a*c*"]) {
    const steps = [1_000, 2_000, 4_000].map((n) => {
      const name = "a".repeat(n);
      const w = compileGlob(glob).work(name);
      assertEquals(w.matched, false);
      ok(w.steps <= bound(glob, name), `${glob} at ${n}: ${w.steps}`);
      return w.steps;
    });
    // Linear: the work added by 2,000 more characters is twice that of 1,000 more (quadratic
    // work would add four times as much).
    const [d1, d2] = [steps[1] - steps[0], steps[2] - steps[1]];
    ok(d2 <= 2 * d1 + glob.length + 1, `${glob}: ${steps}`);
  }
});

Deno.test("a glob matches the whole name: * any run, ? one character (outside the BMP too), \\ literal", () => {
  const m = (glob: string, name: string) => compileGlob(glob).matches(name);
  ok(m("billing-*", "billing-1720268400000"));
  ok(m("billing-*", "billing-"));
  ok(!m("billing-*", "xbilling-1"), "anchored at the start");
  ok(!m("*-prod", "a-prod-2"), "anchored at the end");
  ok(m("vault-app-????????", "vault-app-ab12cd34"));
  ok(!m("vault-app-????????", "vault-app-ab12cd3"));
  ok(m("key-?", "key-😀"), "? is one code point");
  ok(m("a\\*b", "a*b") && !m("a\\*b", "axb"), "\\* is a literal star");
  ok(m("a\\\\b", "a\\b"), "\\\\ is a backslash");
  ok(m("[x]", "[x]"), "brackets are literal");
  ok(m("*", "") && m("**", "anything"));
});

Deno.test("globProblem() refuses an empty glob and a lone trailing backslash; compileGlob() throws it", () => {
  assertEquals(globProblem(""), "it is empty");
  assertEquals(globProblem("a\\"), "it ends with a lone \\ (write \\\\ for a backslash)");
  assertEquals(globProblem("a\\\\"), null);
  throws(() => compileGlob("a\\"), /is not a glob: it ends with a lone/);
});

Deno.test("globEscape() makes a glob that matches exactly the string, whatever it holds", () => {
  fc.assert(
    fc.property(names.filter((s) => s !== ""), names, (s, other) => {
      const g = compileGlob(globEscape(s));
      ok(g.matches(s));
      assertEquals(g.matches(other), other === s);
    }),
    { numRuns: 2_000 },
  );
});
