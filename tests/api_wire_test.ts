/**
 * The wire shapes keydrift reads are held to the official OpenAPI spec's component schemas (the
 * copy in tests/fixtures/schemas/): every field a shape uses exists in the spec with the same
 * type, nullability, enum and time format, and every field the spec requires is required by the
 * shape. A shape that drifts from the spec fails here, not in a user's pipeline.
 */
import { deepStrictEqual as assertEquals, ok, throws } from "node:assert/strict";
import { check, readKey, readProject } from "../lib/api/wire.ts";
import { type Field, SHAPES } from "../lib/api/shapes.ts";
import { ApiError } from "../lib/core/errors.ts";

type Schema = {
  type?: string;
  anyOf?: Schema[];
  enum?: string[];
  format?: string;
  $ref?: string;
  properties?: Record<string, Schema>;
  required?: string[];
};

const SPEC: { components: { schemas: Record<string, Schema> } } = JSON.parse(
  Deno.readTextFileSync(
    new URL("./fixtures/schemas/openai-admin-openapi.json", import.meta.url),
  ),
);

function resolve(s: Schema): Schema {
  let out = s;
  while (out.$ref) {
    out = SPEC.components.schemas[out.$ref.replace("#/components/schemas/", "")];
  }
  return out;
}

/** `ProjectApiKey/properties/owner` → that schema. */
function schemaAt(pointer: string): Schema {
  const [name, ...rest] = pointer.split("/");
  let s = resolve(SPEC.components.schemas[name]);
  for (let i = 0; i < rest.length; i += 2) s = resolve(s.properties![rest[i + 1]]);
  return s;
}

/** The spec's view of one property, in the terms of a {@link Field}. */
function asField(
  s: Schema,
): Omit<Field, "optional" | "notInSpec" | "narrowed" | "anyValue"> {
  const variants = s.anyOf ? s.anyOf.map(resolve) : [resolve(s)];
  const nullable = variants.some((v) => v.type === "null");
  const main = variants.find((v) => v.type !== "null")!;
  return {
    type: main.type as Field["type"],
    ...(nullable ? { nullable } : {}),
    ...(main.enum ? { enum: main.enum } : {}),
    ...(main.format === "unixtime" ? { unixtime: true } : {}),
  };
}

for (const shape of SHAPES) {
  Deno.test(`wire shape ${shape.schema} uses its fields as the OpenAPI spec types them`, () => {
    const schema = schemaAt(shape.schema);
    for (const [name, field] of Object.entries(shape.fields)) {
      const spec = schema.properties?.[name];
      if (field.notInSpec) {
        ok(!spec, `${shape.schema}.${name} is now in the spec: drop notInSpec and check it`);
        continue;
      }
      ok(spec, `${shape.schema}.${name} is not in the spec`);
      const { optional: _, notInSpec: __, anySize: ___, narrowed, anyValue, ...ours } = field;
      const theirs = asField(spec);
      if (anyValue) {
        // keydrift takes any string where the spec lists values (and handles one it does not know).
        ok(
          theirs.enum && !ours.enum,
          `${shape.schema}.${name} takes any value but the spec has no enum`,
        );
        delete theirs.enum;
      }
      if (narrowed) {
        // keydrift accepts fewer values than the spec allows, all of them the spec's own.
        for (const v of ours.enum ?? []) {
          ok(theirs.enum?.includes(v), `${shape.schema}.${name}: "${v}" is not in the spec's enum`);
        }
        ok(ours.enum && theirs.enum, `${shape.schema}.${name} is narrowed but has no enum`);
        ours.enum = theirs.enum;
      }
      assertEquals(ours, theirs, `${shape.schema}.${name}`);
      if (schema.required?.includes(name)) {
        ok(!field.optional, `${shape.schema}.${name} is required by the spec`);
      }
    }
  });
}

const scrub = (s: string) => s;
const KEY = {
  object: "organization.project.api_key",
  id: "key_1",
  name: "ci",
  redacted_value: "sk-proj-****abcd",
  created_at: 1_700_000_000,
  last_used_at: null,
  owner_project_access: "active",
  owner: {
    type: "service_account",
    service_account: { id: "svc", name: "bot", role: "member", created_at: 1 },
  },
};

Deno.test("readKey() accepts what the schema allows: extra fields, last_used_at null, no expires_at", () => {
  const k = readKey({ ...KEY, scopes: ["x"], brand_new_field: { a: 1 } }, "a key", scrub);
  assertEquals([k.id, k.lastUsedAt, k.expiresAt, k.owner.role], [
    "key_1",
    null,
    undefined,
    "member",
  ]);
  assertEquals(readKey({ ...KEY, expires_at: null }, "a key", scrub).expiresAt, null);
});

Deno.test("check() names the field that is missing or of the wrong type", () => {
  const cases: [unknown, RegExp][] = [
    [{ ...KEY, name: undefined }, /"name" is missing/],
    [{ ...KEY, created_at: "yesterday" }, /"created_at" is a string, not an integer/],
    [{ ...KEY, created_at: 1.5 }, /"created_at" is a number, not an integer/],
    [
      { ...KEY, owner_project_access: "gone" },
      /"owner_project_access" is "gone", not "active" or "inactive"/,
    ],
    [{ ...KEY, last_used_at: 1e15 }, /not a Unix time between 1970 and 9999/],
    [{ ...KEY, object: "organization.project" }, /"object" is "organization.project"/],
    [[KEY], /an array, not a JSON object/],
  ];
  for (const [raw, re] of cases) {
    throws(() => readKey(raw, "a key", scrub), (e) => e instanceof ApiError && re.test(e.message));
  }
});

Deno.test("readProject() requires the status and name fields keydrift compares; a null name is a value, a null status fails", () => {
  const p = { object: "organization.project", id: "proj_a", created_at: 1 };
  throws(() => readProject(p, "p", scrub), /"name" is missing/);
  assertEquals(readProject({ ...p, name: null, status: "active" }, "p", scrub, "proj_a"), {
    id: "proj_a",
    name: null,
    status: "active",
  });
  throws(
    () => readProject({ ...p, name: "a", status: null }, "p", scrub),
    /"status" is null, so keydrift cannot tell whether it is archived/,
  );
  throws(
    () => readProject({ ...p, name: "a", status: "active" }, "p", scrub, "proj_b"),
    /not the one asked for/,
  );
});

Deno.test("check() ignores fields no shape uses, whatever they hold", () => {
  assertEquals(
    check({ object: "list", data: [], has_more: false, first_id: 42 }, SHAPES[5], "a page").object,
    "list",
  );
});

const SECRET_SCRUB = (s: string) => s.replace("sk-admin-SECRET", "[REDACTED]");

Deno.test("a key's redacted_value (shown, never compared) is scrubbed where it enters", () => {
  const k = readKey({ ...KEY, redacted_value: "leak sk-admin-SECRET" }, "a key", SECRET_SCRUB);
  assertEquals(k.redactedValue, "leak [REDACTED]");
});

Deno.test("a compared string the scrubber would rewrite fails the read as the admin key echoed into data, never rewritten (SPEC 11.1)", () => {
  const sa = KEY.owner.service_account;
  const echoes: [string, Record<string, unknown>, string][] = [
    ["name", { name: "leak sk-admin-SECRET" }, `key "key_1" (a key)`],
    ["id", { id: "key_sk-admin-SECRET" }, `key "key_[REDACTED]" (a key)`],
    [
      "name",
      { owner: { ...KEY.owner, service_account: { ...sa, name: "sk-admin-SECRET" } } },
      `the service account owning key "key_1" (a key)`,
    ],
    [
      "role",
      {
        owner: {
          type: "user",
          user: { id: "u", name: "Ann", email: "a@x.test", role: "sk-admin-SECRET" },
        },
      },
      `the user owning key "key_1" (a key)`,
    ],
  ];
  for (const [field, change, who] of echoes) {
    throws(
      () => readKey({ ...KEY, ...change }, "a key", SECRET_SCRUB),
      (e) =>
        e instanceof ApiError &&
        e.message ===
          `Cannot read ${who}: the server echoed the admin key into data ("${field}"); keydrift cannot trust this answer`,
      field,
    );
  }
  const p = { object: "organization.project", id: "proj_a", status: "active" };
  throws(
    () => readProject({ ...p, name: "sk-admin-SECRET" }, "p", SECRET_SCRUB),
    /Cannot read project "proj_a" \(p\): the server echoed the admin key into data \("name"\)/,
  );
  // What the scrubber leaves alone is read as sent.
  assertEquals(
    readKey({ ...KEY, name: "sk-admin-other" }, "a key", SECRET_SCRUB).name,
    "sk-admin-other",
  );
});

Deno.test("readKey() names the key (its id scrubbed) and the part of it that failed, in full", () => {
  const mark = (s: string) => s.replaceAll("key_1", "[KEY]");
  const fail = (raw: unknown) => {
    try {
      readKey(raw, "an item of list keys (page 1)", mark);
    } catch (e) {
      ok(e instanceof ApiError);
      return e.message;
    }
    throw new Error("readKey() accepted a malformed key");
  };
  const trust = "; keydrift cannot trust this answer";
  const page = "an item of list keys (page 1)";
  assertEquals(
    fail({ ...KEY, name: 7 }),
    `Cannot read key "[KEY]" (${page}): "name" is a number, not a string${trust}`,
  );
  assertEquals(
    fail({ ...KEY, id: undefined }),
    `Cannot read ${page}: "id" is missing${trust}`,
  );
  assertEquals(
    fail({ ...KEY, owner: { type: "service_account", service_account: { id: "svc" } } }),
    `Cannot read the service account owning key "[KEY]" (${page}): "name" is missing${trust}`,
  );
  assertEquals(
    fail({ ...KEY, owner: { type: "user", user: { id: "u", name: "Ann", email: 3 } } }),
    `Cannot read the user owning key "[KEY]" (${page}): "email" is a number, not a string${trust}`,
  );
  assertEquals(
    fail({ ...KEY, owner: { type: "robot" } }),
    `Cannot read the owner of key "[KEY]" (${page}): "type" is "robot", not "user" or "service_account"${trust}`,
  );
  assertEquals(
    fail({ ...KEY, owner: { type: "user" } }),
    `Cannot read key "[KEY]" (${page}): the owner says "user" but has no "user" object${trust}`,
  );
});
