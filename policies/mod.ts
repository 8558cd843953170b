/** The built-in policies, listed explicitly (no directory scanning). main.ts passes this to run(). */
import type { Policy } from "../lib/assess/policy.ts";
import { keyUnused } from "./key_unused.ts";
import { keyNeverUsed } from "./key_never_used.ts";
import { keyMaxAge } from "./key_max_age.ts";
import { keyNoExpiry } from "./key_no_expiry.ts";
import { keyExpiryTooLong } from "./key_expiry_too_long.ts";
import { keyExpiringSoon } from "./key_expiring_soon.ts";
import { keyExpired } from "./key_expired.ts";
import { ownerLostAccess } from "./owner_lost_access.ts";
import { userOwnedKey } from "./user_owned_key.ts";
import { multipleKeysPerOwner } from "./multiple_keys_per_owner.ts";
import { keyNamePattern } from "./key_name_pattern.ts";
import { familyOverCapacity } from "./family_over_capacity.ts";
import { familyRotationStalled } from "./family_rotation_stalled.ts";
import { familyEmpty } from "./family_empty.ts";
import { orphanedDynamicCredential } from "./orphaned_dynamic_credential.ts";

/** Every built-in policy, in the order `keydrift policies` lists them. */
export const POLICIES: readonly Policy[] = [
  keyUnused,
  keyNeverUsed,
  keyMaxAge,
  keyNoExpiry,
  keyExpiryTooLong,
  keyExpiringSoon,
  keyExpired,
  ownerLostAccess,
  userOwnedKey,
  multipleKeysPerOwner,
  keyNamePattern,
  familyOverCapacity,
  familyRotationStalled,
  familyEmpty,
  orphanedDynamicCredential,
];
