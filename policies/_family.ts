/** Facts every family policy's finding carries (SPEC 11.4). */
import type { DeclaredFamily, Facts, LiveKey } from "../lib/core/types.ts";

/**
 * The family's name and manager, and the key's service account when a fix may delete it (the
 * account holds no live key outside the family): `service_account_id` is null otherwise.
 */
export function familyFacts(
  family: DeclaredFamily,
  key: LiveKey | null,
  exclusiveOwners: ReadonlySet<string>,
): Facts {
  const account = key?.owner.type === "service_account" && exclusiveOwners.has(key.owner.id)
    ? key.owner.id
    : null;
  return {
    family: family.name,
    manager: family.managedBy ?? "its manager",
    ...(key ? { service_account_id: account } : {}),
  };
}
