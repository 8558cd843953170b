/**
 * What each audit-log event type can change of what keydrift reads (issue 21): a project's keys,
 * their owners (names, emails, roles, project access), a project's name and status, and which
 * projects exist. `--snapshot` re-reads only what events name, so every type of the spec's
 * `AuditLogEventType` is classified here, explicitly (a test holds this table to the spec's enum):
 *
 * - `key`: names one key (`details.id`); its project is re-read.
 * - `project`: names one project (`details.id`); it is re-read whole.
 * - `none`: cannot change any of the above (sign-ins, certificates, allow-lists, billing, ...).
 * - `all`: could change keys or owners without naming the project (users, groups, roles, service
 *   accounts, admin keys, SCIM, tenant-wide changes): every project is read.
 *
 * A type not in this table (one the API added after the spec keydrift was built with) is `all`:
 * any doubt reads more.
 */

/** What an event of one type makes a `--snapshot` run read. */
export type EventClass = "key" | "project" | "none" | "all";

const KEY = ["api_key.created", "api_key.updated", "api_key.deleted"];

const PROJECT = ["project.created", "project.updated", "project.archived", "project.deleted"];

/** Types that cannot change a project's keys, their owners, or the projects. */
const NONE = [
  // Signing in and out.
  "login.succeeded",
  "login.failed",
  "logout.succeeded",
  "logout.failed",
  "tenant.user.looked_up",
  "tenant.session_revocation.started",
  "tenant.chatgpt_access_token.revoked",
  // An invite changes nothing until it is accepted (invite.accepted is `all`).
  "invite.sent",
  "invite.deleted",
  "tenant.chatgpt_workspace_invite.upserted",
  "tenant.workspace_invite_email_settings.updated",
  // Network and transport settings: they govern where a key may be used, not which keys exist.
  "certificate.created",
  "certificate.updated",
  "certificate.deleted",
  "certificates.activated",
  "certificates.deactivated",
  "ip_allowlist.created",
  "ip_allowlist.updated",
  "ip_allowlist.deleted",
  "ip_allowlist.config.activated",
  "ip_allowlist.config.deactivated",
  "tunnel.created",
  "tunnel.updated",
  "tunnel.deleted",
  // Limits, billing and organisation settings.
  "rate_limit.updated",
  "rate_limit.deleted",
  "organization.updated",
  "tenant.billing.overage_limit.updated",
  "tenant.billing.alerts.updated",
  "tenant.billing.info.updated",
  "tenant.usage_limit.workspace.updated",
  "tenant.usage_limit.group.updated",
  "tenant.usage_limit.user.updated",
  "tenant.usage_limit.increase_request.updated",
  "tenant.usage_limit.increase_request.resolved",
  "tenant.ads_account.onboarding.redemption",
  // Data: fine-tuning checkpoints shared, encryption keys (not API keys).
  "checkpoint.permission.created",
  "checkpoint.permission.deleted",
  "external_key.registered",
  "external_key.removed",
];

/**
 * Types that could change keys or their owners without naming the project: people, groups,
 * roles, service accounts, admin keys, identity providers and tenant-wide moves. Each makes a
 * `--snapshot` run read every project.
 */
const ALL = [
  "group.created",
  "group.updated",
  "group.deleted",
  "invite.accepted",
  "resource.deleted",
  "role.created",
  "role.updated",
  "role.deleted",
  "role.assignment.created",
  "role.assignment.deleted",
  "role.bound_to_resource",
  "role.unbound_from_resource",
  "scim.enabled",
  "scim.disabled",
  "service_account.created",
  "service_account.updated",
  "service_account.deleted",
  "user.added",
  "user.updated",
  "user.deleted",
  "workload_identity_provider.created",
  "workload_identity_provider.updated",
  "workload_identity_provider.deleted",
  "workload_identity_provider_mapping.created",
  "workload_identity_provider_mapping.updated",
  "workload_identity_provider_mapping.deleted",
  "tenant.metadata.updated",
  "tenant.microsoft_entra_mapping.upserted",
  "tenant.microsoft_entra_mapping.deleted",
  "tenant.workload_identity.provider.created",
  "tenant.workload_identity.provider.updated",
  "tenant.workload_identity.provider.archived",
  "tenant.workload_identity.mapping.created",
  "tenant.workload_identity.mapping.updated",
  "tenant.workload_identity.mapping.archived",
  "tenant.workload_identity.binding.created",
  "tenant.workload_identity.principal.provisioned",
  "tenant.workload_identity.access_token.issued",
  "tenant.admin_api_key.created",
  "tenant.admin_api_key.updated",
  "tenant.admin_api_key.deleted",
  "tenant.project_api_key.created",
  "tenant.migration.completed",
  "tenant.sso.migrated",
  "tenant.domains.migrated",
  "tenant.sso_connection.created",
  "tenant.sso_connection.updated",
  "tenant.sso_connection.deleted",
  "tenant.sso_connection.setup.started",
  "tenant.policy.created",
  "tenant.policy.updated",
  "tenant.policy.deleted",
  "tenant.policy.attached",
  "tenant.policy.detached",
  "tenant.principal_authentication_policy.resolved",
  "tenant.scim.setup.started",
  "tenant.scim.deletion.requested",
  "tenant.scim.directory.created",
  "tenant.product_access_policy.updated",
  "tenant.resource_share_grant.created",
  "tenant.resource_share_grant.updated",
  "tenant.resource_share_grant.accepted",
  "tenant.resource_share_grant.declined",
  "tenant.resource_share_grant.revoked",
  "tenant.resource_share_grant.deleted",
  "tenant.service_account.updated",
  "tenant.service_account.deleted",
  "tenant.service_account.token.revoked",
  "tenant.group.created",
  "tenant.group.updated",
  "tenant.group.deleted",
  "tenant.group.member.added",
  "tenant.group.member.removed",
  "tenant.migration_rollout.status.updated",
  "tenant.migration_rollout.tier.updated",
  "tenant.role.metadata.updated",
  "tenant.custom_role.created",
  "tenant.custom_role.updated",
  "tenant.custom_role.deleted",
  "tenant.role_assignment.created",
  "tenant.role_assignment.deleted",
  "tenant.resource_role_assignment.created",
  "tenant.resource_role_assignment.deleted",
  "tenant.resource_access.updated",
  "tenant.resource_access.deleted",
  "tenant.session_policy.created",
  "tenant.session_policy.updated",
  "tenant.session_policy.deleted",
  "tenant.third_party_app_policy.updated",
  "tenant.user.added",
  "tenant.user.updated",
  "tenant.user.removed",
  "tenant.user.invited",
  "tenant.membership.revoked",
  "tenant.api_organization_invite.upserted",
  "tenant.api_organization_invite.deleted",
  "tenant.membership.accepted",
  "tenant.membership.declined",
];

/** Every classified type and its class. */
export const EVENT_CLASSES: ReadonlyMap<string, EventClass> = new Map([
  ...KEY.map((t) => [t, "key"] as const),
  ...PROJECT.map((t) => [t, "project"] as const),
  ...NONE.map((t) => [t, "none"] as const),
  ...ALL.map((t) => [t, "all"] as const),
]);

/** The class of an event type; one not classified is `all` (any doubt reads everything). */
export function eventClass(type: string): EventClass {
  return EVENT_CLASSES.get(type) ?? "all";
}
