/**
 * The scrubber's work is linear in the text's length, whatever the server sends: counted, not
 * timed. Its meter counts every character each pass reads and every window it compares; the
 * count per character is bounded by one constant for the hostile shapes that were quadratic
 * (`sk-` repeated, `a-a-a`, `scheme://` runs, escape units, the key itself repeated) and for any
 * mix of them, and doubling the input doubles the work. The credential shapes, found without
 * regular expressions now, are found exactly where the expressions found them (the reference).
 * Then hostile inputs of 60 KB to 1 MB, and a hostile server's 60 KB key name and 300 KB error
 * message, go through the real paths (before this change each took minutes to hours).
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import fc from "fast-check";
import { REDACTED, scrubber } from "../lib/secrets/redact.ts";
import { type Meter, Spans } from "../lib/secrets/redact_units.ts";
import {
  authCredentials,
  queryCredentials,
  skKeys,
  urlCredentials,
} from "../lib/secrets/redact_shapes.ts";
import { ADMIN_KEY, runCli } from "./_helpers.ts";

/** Steps per character no input may exceed (the longest NFKC expansion is 18 characters). */
const PER_CHAR = 128;

/** Inputs that made the old scrubber (and its regular expressions) quadratic, and more. */
const HOSTILE: Record<string, (n: number) => string> = {
  "sk- repeated": (n) => "sk-".repeat(n / 3),
  "a- repeated": (n) => "a-".repeat(n / 2),
  "a://b repeated": (n) => "a://b".repeat(n / 5),
  "a:// then letters": (n) => `a://${"a".repeat(n - 4)}`,
  "the admin key repeated": (n) => ADMIN_KEY.repeat(n / ADMIN_KEY.length),
  "11 key characters and a break": (n) => `${ADMIN_KEY.slice(9, 20)}!`.repeat(n / 12),
  "numeric references": (n) => "&#115".repeat(n / 5),
  "percent escapes": (n) => "%73".repeat(n / 3),
  "JSON escapes": (n) => "\\u0073".repeat(n / 6),
  "escaped escapes": (n) => "&amp;#115;\\\\u0073".repeat(n / 17),
  "Bearer repeated": (n) => "Bearer ".repeat(n / 7),
  "Bearer and spaces": (n) => `Bearer${" ".repeat(n - 6)}`,
  "query names repeated": (n) => "?key=&amp;token=".repeat(n / 16),
  "fullwidth and invisible": (n) => "ｓｋ\u200b-".repeat(n / 4),
  "long NFKC expansions": (n) => "\ufdfa".repeat(n),
  "a JSON document": (n) => JSON.stringify({ a: 'x\\y"'.repeat(n / 4) }),
};

const FUNCTIONS = ["secrets", "value", "redact"] as const;

function steps(f: (typeof FUNCTIONS)[number], text: string): number {
  const meter: Meter = { steps: 0 };
  scrubber([ADMIN_KEY], { meter })[f](text);
  return meter.steps;
}

Deno.test("the scrubber's work per character is bounded by a constant on every hostile shape, and doubles when the input doubles", () => {
  for (const [name, make] of Object.entries(HOSTILE)) {
    for (const f of FUNCTIONS) {
      const [small, large] = [make(20_000), make(40_000)];
      const [a, b] = [steps(f, small), steps(f, large)];
      ok(a <= PER_CHAR * small.length, `${name}, ${f}: ${a} steps for ${small.length} characters`);
      ok(b <= 2.1 * a + 100, `${name}, ${f}: ${a} steps, then ${b} for twice the input`);
    }
  }
});

/** Fragments that make the credential shapes, and near misses of them. */
const FRAGMENT = fc.constantFrom(
  ..."sk-_aZ09:/@?&=% \t.+!$(\n\u017f\u212ab",
  "sk-",
  "://",
  "x://",
  "http",
  "&amp;",
  "&AMP;",
  "key=",
  "api_key=",
  "API-KEY=",
  "apikey=",
  "token=",
  "access_token=",
  "secret=",
  "password=",
  "Bearer",
  "Bearer ",
  "basic",
  "Basic\t ",
  "BEARER",
  "abcdefghijklmnop",
);

/** What the old regular expressions found: the spans they replaced, merged. */
function reference(text: string): number[][] {
  const groups = (re: RegExp) => {
    const s = new Spans();
    for (const m of text.matchAll(re)) s.add(...m.indices![2]!);
    return s.flat;
  };
  const sk = new Spans();
  for (const m of text.matchAll(/(?<![A-Za-z0-9_])sk-(?=[A-Za-z0-9_-]{16,})/g)) {
    let end = m.index + 3;
    while (end < text.length && /[A-Za-z0-9_-]/.test(text[end])) end++;
    sk.add(m.index + 3, end);
  }
  return [
    sk.flat,
    groups(/\b([a-z][a-z0-9+.-]*:\/\/)([A-Za-z0-9._~+=!$()*,;%:-]+)@/gid),
    groups(
      /((?:[?&]|&amp;)(?:api[_-]?key|key|token|access_token|secret|password)=)([A-Za-z0-9._~+/=%-]+)/gid,
    ),
    groups(/\b((?:Bearer|Basic)[ \t]+)([A-Za-z0-9._~+/=-]+)/gid),
  ];
}

Deno.test("the credential shapes are found exactly where the regular expressions they replace found them", () => {
  fc.assert(
    fc.property(fc.array(FRAGMENT, { maxLength: 40 }).map((a) => a.join("")), (text) => {
      const meter: Meter = { steps: 0 };
      const found = [new Spans(), new Spans(), new Spans(), new Spans()];
      skKeys(text, (k) => k, found[0], meter);
      urlCredentials(text, found[1], meter);
      queryCredentials(text, found[2], meter);
      authCredentials(text, found[3], meter);
      assertEquals(found.map((s) => s.flat), reference(text), JSON.stringify(text));
    }),
    { numRuns: Number(Deno.env.get("KEYDRIFT_FUZZ_RUNS") ?? 2000) },
  );
});

Deno.test("any mix of hostile pieces costs at most a constant number of steps per character", () => {
  const pieces = fc.oneof(
    FRAGMENT,
    fc.constantFrom(
      ADMIN_KEY,
      ADMIN_KEY.slice(9, 22),
      "%73",
      "\\u0073",
      "&#115;",
      "\\\\",
      "\ufdfa",
    ),
  );
  fc.assert(
    fc.property(fc.array(pieces, { maxLength: 200 }).map((a) => a.join("")), (text) => {
      for (const f of FUNCTIONS) {
        const n = steps(f, text);
        ok(n <= PER_CHAR * (text.length + 16), `${f}: ${n} steps for ${JSON.stringify(text)}`);
      }
    }),
    { numRuns: 300 },
  );
});

Deno.test("hostile inputs of 60 KB, 300 KB and 1 MB are scrubbed whole (they took minutes to hours before)", () => {
  const s = scrubber([ADMIN_KEY]);
  for (const size of [60_000, 300_000, 1_000_000]) {
    const sk = "sk-".repeat(size / 3);
    assertEquals(s.value(sk), `sk-${REDACTED}`);
    assertEquals(s.redact(sk), `sk-${REDACTED}`);
    assertEquals(s.secrets(sk), sk);
    const url = `https://${"a-".repeat(size / 2)}:${ADMIN_KEY}@h`;
    assertEquals(s.value(url), `https://${REDACTED}@h`);
    assertEquals(s.redact(url), `https://${REDACTED}@h`);
    const keys = `${ADMIN_KEY} `.repeat(size / (ADMIN_KEY.length + 1));
    ok(!s.secrets(keys).includes(ADMIN_KEY.slice(9, 21)));
    for (const f of FUNCTIONS) s[f]("a://b".repeat(size / 5));
  }
});

/** One project whose listing holds a key named `name`, or whose listing fails with `message`. */
function hostileApi(o: { name?: string; message?: string }) {
  return (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(new Request(input, init).url);
    if (o.message !== undefined) {
      const error = { message: o.message, type: "invalid_request_error", param: null, code: null };
      return Promise.resolve(Response.json({ error }, { status: 400 }));
    }
    const key = {
      object: "organization.project.api_key",
      id: "key_long",
      name: o.name,
      redacted_value: "sk-proj-****abcd",
      created_at: 1_760_000_000,
      last_used_at: null,
      owner_project_access: "active",
      owner: {
        type: "user",
        user: {
          id: "user_a",
          name: "Ana",
          email: "ana@example.test",
          role: "owner",
          created_at: 1,
        },
      },
    };
    if (url.pathname === "/v1/organization/projects/proj_a") {
      const project = { object: "organization.project", id: "proj_a", name: "a", created_at: 1 };
      return Promise.resolve(Response.json({ ...project, archived_at: null, status: "active" }));
    }
    const data = url.pathname.endsWith("/api_keys") ? [key] : [];
    return Promise.resolve(
      Response.json({
        object: "list",
        data,
        first_id: data[0]?.id ?? null,
        last_id: data[0]?.id ?? null,
        has_more: false,
      }),
    );
  };
}

Deno.test("a hostile server's 60 KB key name of sk- and its 300 KB error message are read and reported within --deadline 20", async () => {
  const files = { "keydrift.yaml": "version: 1\nprojects: [{ id: proj_a, keys: [] }]\n" };
  const argv = ["check", "-m", "keydrift.yaml", "--api-url", "http://127.0.0.1/v1"];
  const env = { OPENAI_ADMIN_KEY: ADMIN_KEY };
  const named = await runCli([...argv, "--deadline", "20", "--format", "json=r.json"], {
    files,
    env,
    fetch: hostileApi({ name: "sk-".repeat(20_000) }),
  });
  // Read whole and judged in linear time: a name shaped like a credential, which every report
  // would show redacted, fails the read naming the key by id (SPEC 11.1).
  assertEquals(named.code, 1, named.stderr);
  ok(/key "key_long".*"name" is shaped like a credential/.test(named.stderr), named.stderr);
  const message = `${"sk-".repeat(100_000)} ${ADMIN_KEY}`;
  const failed = await runCli([...argv, "--deadline", "20"], {
    files,
    env,
    fetch: hostileApi({ message }),
  });
  assertEquals(failed.code, 1, failed.stderr);
  ok(failed.stderr.includes(`sk-${REDACTED}`), failed.stderr.slice(0, 500));
});
