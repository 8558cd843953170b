/**
 * The manifest schema: one JSON Schema (draft-07) that `keydrift schema` prints and that
 * `validate` enforces through {@link checkNode} in load.ts. Policy options come from the
 * policy list, so the schema always describes the policies this build knows.
 */
import type { JsonSchema } from "../yaml/json_schema.ts";
import { familySchema } from "./families.ts";

export type { JsonSchema } from "../yaml/json_schema.ts";

/** What every policy option declares, whatever its type. */
interface OptionSpecBase {
  /** One sentence for the schema and `keydrift policies`. */
  description: string;
  /** The least value allowed (integer options). */
  minimum?: number;
  /** Extra check beyond the type (e.g. a regular expression that must compile). */
  check?: (value: unknown) => string | null;
  /**
   * Loads what `check` and the policy's own checks need (an npm module, on demand: start-up
   * never pays for it). Called before a manifest that names the policy is read.
   */
  prepare?: () => Promise<void>;
}

/**
 * A typed policy option, as a policy declares it: its JSON type and a default of that type.
 * The `type` decides the TypeScript type a policy receives (see `OptionValues` in assess/policy.ts).
 */
export type PolicyOptionSpec =
  | OptionSpecBase & { type: "integer"; default: number }
  | OptionSpecBase & { type: "string"; default: string }
  | OptionSpecBase & { type: "boolean"; default: boolean };

/** A policy's options by name. */
export type PolicyOptionSpecs = Readonly<Record<string, PolicyOptionSpec>>;

/** What the schema needs to know about a policy. */
export interface PolicySchemaSource {
  id: string;
  summary: string;
  defaultSeverity: "error" | "warning" | "off";
  options: PolicyOptionSpecs;
}

/** Where the manifest format is documented */
export const DOCS_URL = "https://github.com/keydrift/keydrift#manifest";
/** The pattern of a `YYYY-MM-DD` date in the manifest */
export const DATE_PATTERN = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$";

const str = (description: string, extra: Partial<JsonSchema> = {}): JsonSchema => ({
  type: "string",
  description,
  ...extra,
});

const LEVELS = ["error", "warning", "ignore"] as const;

function ownerSchema(): JsonSchema {
  return {
    title: "owner",
    description: "Who owns the key: a user or a service account of the project.",
    type: "object",
    additionalProperties: false,
    required: ["type", "name"],
    properties: {
      type: str("Owner type.", { enum: ["user", "service_account"] }),
      name: str("Owner display name, compared with the live owner's name.", { minLength: 1 }),
      id: str("Owner id (user-… or the service account id); compared when given."),
      email: str("User email (user owners only); compared when given."),
      role: str("Owner's project role (e.g. owner, member); compared when given."),
    },
  };
}

function keySchema(admin = false): JsonSchema {
  return {
    title: admin ? "admin key entry" : "key entry",
    description: admin
      ? "One organisation admin API key (sk-admin-…) that should exist."
      : "One API key that should exist in the project.",
    type: "object",
    additionalProperties: false,
    required: ["name", "owner"],
    properties: {
      name: str("Key name as shown in the dashboard. Names may repeat; owners narrow them.", {
        minLength: 1,
      }),
      id: str("Pins this entry to one live key id (key_…); then the name is compared too.", {
        minLength: 1,
      }),
      owner: ownerSchema(),
    },
  };
}

function projectSchema(): JsonSchema {
  return {
    title: "project entry",
    description: "One OpenAI project and the keys it should have.",
    type: "object",
    additionalProperties: false,
    required: ["id", "keys"],
    properties: {
      id: str("Project id (proj_…).", { minLength: 1 }),
      name: str("Expected project name; compared with the live name when given."),
      unmanaged: str("Severity of live keys no entry declares; overrides defaults.unmanaged.", {
        enum: LEVELS,
      }),
      status: str(
        "Expected project status (default active); archived declares a project that is archived but still holds keys.",
        { enum: ["active", "archived"] },
      ),
      service_accounts_only: {
        type: "boolean",
        description:
          "When true, keys here must be owned by service accounts: a user-owned key is a finding.",
        default: false,
      },
      keys: {
        type: "array",
        description: "The keys that should exist. [] declares that the project has no keys.",
        items: keySchema(),
      },
      families: {
        type: "array",
        description:
          "Key families (SPEC 11.4): keys a secrets manager rotates, matched by globs. Entries match first (pinned ids, then name and owner), then families in the order declared.",
        items: familySchema(),
      },
    },
  };
}

function policySchema(p: PolicySchemaSource): JsonSchema {
  const properties: Record<string, JsonSchema> = {
    severity: str(`Severity of findings (default ${p.defaultSeverity}); off disables the policy.`, {
      enum: ["error", "warning", "off"],
    }),
  };
  for (const [name, o] of Object.entries(p.options)) {
    properties[name] = {
      type: o.type,
      description: `${o.description} Default: ${JSON.stringify(o.default)}.`,
      default: o.default,
      ...(o.minimum !== undefined ? { minimum: o.minimum } : {}),
    };
  }
  return {
    title: `policy ${p.id}`,
    description: p.summary,
    type: "object",
    additionalProperties: false,
    properties,
  };
}

function waiverSchema(policyIds: string[]): JsonSchema {
  return {
    title: "waiver",
    description:
      'Silences one policy for one key (or every key of a project with "*") until a date.',
    type: "object",
    additionalProperties: false,
    required: ["policy", "project", "key", "reason", "expires"],
    properties: {
      policy: str("Policy id the waiver silences.", { enum: policyIds }),
      project: str("Project id the waiver applies to.", { minLength: 1 }),
      key: str('Key name or key id, or "*" for every key of the project.', { minLength: 1 }),
      reason: str("Why the finding is accepted; shown in every report.", { minLength: 1 }),
      expires: str("Last day the waiver applies (YYYY-MM-DD, UTC). Past dates do not apply.", {
        pattern: DATE_PATTERN,
      }),
    },
  };
}

/** The `defaults:` section. */
function defaultsSchema(): JsonSchema {
  return {
    title: "defaults",
    description: "Settings that apply to every project unless it overrides them.",
    type: "object",
    additionalProperties: false,
    properties: {
      unmanaged: str("Severity of live keys that no entry declares (default error).", {
        enum: LEVELS,
      }),
    },
  };
}

/** `admin_keys:` and `admin_keys_unmanaged:` (issue 14). */
function adminKeysSchema(): Record<string, JsonSchema> {
  return {
    admin_keys: {
      type: "array",
      description:
        "The organisation's admin API keys that should exist (read from GET /organization/admin_api_keys). Absent: admin keys are not checked. [] declares that there are none. The API sends no owner email for admin keys: one declared here is not compared.",
      items: keySchema(true),
    },
    admin_keys_unmanaged: str(
      "Severity of live admin keys that no admin_keys entry declares (default error); read only with admin_keys.",
      { enum: LEVELS },
    ),
  };
}

/** The pattern of an org's `name`: it names report files and CI matrix jobs. */
export const ORG_NAME_PATTERN = "^[A-Za-z0-9][A-Za-z0-9._-]*$";
/** The pattern of an environment variable's name (`admin_key_env`). */
export const ENV_NAME_PATTERN = "^[A-Za-z_][A-Za-z0-9_]*$";

/** What a manifest and each of its `orgs:` declare alike. */
function orgBody(policies: readonly PolicySchemaSource[]): Record<string, JsonSchema> {
  const policyProps: Record<string, JsonSchema> = {};
  for (const p of policies) policyProps[p.id] = policySchema(p);
  return {
    defaults: defaultsSchema(),
    policies: {
      title: "policies",
      description: "Built-in credential-hygiene policies: severity and options per policy id.",
      type: "object",
      additionalProperties: false,
      properties: policyProps,
    },
    projects: {
      type: "array",
      description:
        "The projects keydrift checks, each with its expected keys. At least one file of the manifest declares projects, admin_keys or orgs (projects: [] is allowed).",
      items: projectSchema(),
    },
    ...adminKeysSchema(),
    unmanaged_projects: str(
      "Severity of live projects that no manifest declares (default error): each is one project_unexpected drift item with its key count. ignore does not read them. Archived projects without keys are never drift.",
      { enum: LEVELS },
    ),
    waivers: {
      type: "array",
      description: "Accepted policy findings, each with a reason and an expiry date.",
      items: waiverSchema(policies.map((p) => p.id)),
    },
  };
}

/** One entry of `orgs:` (issue 24): an organisation, its admin key's variable, its projects. */
function orgSchema(policies: readonly PolicySchemaSource[]): JsonSchema {
  const { defaults, policies: policyProps, ...rest } = orgBody(policies);
  return {
    title: "org entry",
    description:
      "One OpenAI organisation of a fleet: read with its own admin key, budget and deadline.",
    type: "object",
    additionalProperties: false,
    required: ["name", "id", "admin_key_env", "projects"],
    properties: {
      name: str("Short name of the organisation, shown on every item and used by --org.", {
        pattern: ORG_NAME_PATTERN,
      }),
      id: str("Organisation id (org-…).", { minLength: 1 }),
      admin_key_env: str(
        "Name of the environment variable that holds this organisation's admin key.",
        { pattern: ENV_NAME_PATTERN },
      ),
      api_url: str("Admin API base URL for this organisation (default: as without orgs:).", {
        minLength: 1,
      }),
      defaults: { ...defaults, description: "Overrides the top-level defaults for this org." },
      policies: { ...policyProps, description: "Overrides top-level policy settings by id." },
      ...rest,
    },
  };
}

/** Builds the manifest schema for the given policies. */
export function buildSchema(policies: readonly PolicySchemaSource[]): JsonSchema {
  const { defaults, policies: policyProps, ...rest } = orgBody(policies);
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    $id: "https://keydrift.dev/schema/manifest-v1.json",
    title: "manifest",
    description: `keydrift manifest: the OpenAI project API keys that should exist.\n${DOCS_URL}`,
    type: "object",
    additionalProperties: false,
    // A file of a directory of manifests may hold only waivers, policies or defaults; that some
    // file declares projects, admin_keys or orgs is checked on the merged manifest (load.ts), and
    // that no file declares both projects and orgs, with both places (orgs.ts).
    required: ["version"],
    properties: {
      version: { type: "integer", description: "Manifest format version.", enum: [1] },
      defaults,
      policies: policyProps,
      ...rest,
      orgs: {
        type: "array",
        description:
          "Several organisations in one run (instead of projects): each read in parallel with its own admin key; defaults and policies here apply to every org that does not override them.",
        items: orgSchema(policies),
      },
    },
  };
}
