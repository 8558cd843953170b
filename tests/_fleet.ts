/** The example fleet (examples/fleet): its orgs' admin keys as the fake's state file gives them. */
export const FLEET_KEYS = {
  ACME_ADMIN_KEY: "sk-admin-fake-acme-7Qm2",
  BETA_ADMIN_KEY: "sk-admin-fake-beta-4Kx9",
  GAMMA_ADMIN_KEY: "sk-admin-fake-gamma-2Pz5",
};
