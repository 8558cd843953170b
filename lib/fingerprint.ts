/**
 * Stable fingerprints of drift items and findings, the same across runs (never a line number,
 * which moves): what baselines record and what SARIF and GitLab Code Quality carry.
 */
import type { Drift, Finding } from "./types.ts";

/** A stable identity for a drift or finding across runs (not its line, which moves). */
export function identity(x: Drift | Finding): string {
  const kind = "kind" in x ? x.kind : x.policy;
  return [kind, x.projectId, x.keyId ?? "", x.keyName ?? ""].join("|");
}

/** FNV-1a 64-bit as hex: small, deterministic, dependency-free. */
export function fingerprint(s: string): string {
  let h = 0xcbf29ce484222325n;
  for (const b of new TextEncoder().encode(s)) {
    h ^= BigInt(b);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, "0");
}

/**
 * Fingerprints unique within one report, in report order: an item gets `fingerprint(identity)`,
 * and a later item with the same identity (two unexpected keys of one name without ids) gets
 * `fingerprint(identity + "#n")` for its n-th occurrence. SARIF and Code Quality share it.
 */
export function fingerprinter(): (x: Drift | Finding) => string {
  const seen = new Map<string, number>();
  return (x) => {
    const id = identity(x);
    const n = (seen.get(id) ?? 0) + 1;
    seen.set(id, n);
    return fingerprint(n === 1 ? id : `${id}#${n}`);
  };
}
