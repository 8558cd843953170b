/**
 * The report format's version: additive changes bump the minor version (README lists each).
 * 1.1 added `owner`, `redacted_value` (unexpected drift) and `owner_ref` (candidates). 1.2 added
 * `remediation` on every item, `attribution` / `attribution_error` / `last_update` and `usage` /
 * `usage_error` / `usage_note` on enriched items, and the top-level `enrichment`. 1.3 added
 * `baselined` and `key_type` on drift items and findings (`project_id` null for admin keys),
 * `summary.baselined`, `baseline_file`, `baseline_resolved` and `admin_keys_checked`. 1.4 added
 * `owner` and `occurrence` on baseline entries (SHA-256 fingerprints) and `baseline_mismatched`.
 * 1.5 added `facts` on findings, `action`, `ids` and `in_published_spec` on remediations, `kind`,
 * `status`, `code` and `request_id` on errors, and `kind` and `waiver` on warnings. 1.6 added
 * `instead_of` on remediations and `id` in the `add_entry` edit. 1.7 added `api_requests` (the
 * requests sent, refused and retried, per endpoint with its budget). 1.8 added `by_family`,
 * `cost_usd`, `complete` and `unknown_families` in `usage`, `usage_verdict` and `cost_error` on
 * enriched items, and `incomplete` and `unexpected_spend` in `enrichment.usage`. 1.9 added
 * `asserts` on baseline entries and `candidates_total` on ambiguous drift items (whose `candidates`
 * list at most 20). 1.10 added `location` on errors (an invalid manifest: one error per problem).
 * 1.11 added, for a manifest with `orgs:` only, `org` on drift items, findings, errors and baseline
 * entries, and the top-level `orgs`, `declared`, `manifest_files` and `manifest_sha256`, and `usage_conflict` on enriched items.
 * 1.12 added the drift kind `project_unexpected` with its `project`,
 * `summary.unexpected_projects`, `undeclared_projects_checked`, the `add_project` edit,
 * `snapshot` and `data_as_of` on findings.
 * 1.13 added the top-level `families` (key families: members, newest age, capacity),
 * `summary.family_keys`, and `family` on the findings of family policies and on their baseline
 * entries. 1.14 added `candidates_sha256` on ambiguous drift items.
 */
export const FORMAT_VERSION = "1.14";
