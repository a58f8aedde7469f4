/** Every route the service serves; the webhook registrations in k8s/ are tested against this table. */
export const routes = {
  validate: "/validate",
  mutate: "/mutate",
  healthz: "/healthz",
  livez: "/livez",
  readyz: "/readyz",
  metrics: "/metrics",
  observe: "/observe",
  inventory: "/inventory",
  inventorySummary: "/inventory/summary",
  inventorySync: "/inventory/sync",
  inventorySyncPages: "/inventory/sync/:session/pages",
  inventorySyncCommit: "/inventory/sync/:session/commit",
  audit: "/audit",
} as const;

/** Routes that write the cluster view: never served without a WEBHOOK_TOKEN. */
export const writeRoutes = [routes.observe, routes.inventory, routes.inventorySync, routes.inventorySyncPages, routes.inventorySyncCommit];

/** The prefix of the token-in-path form, `/t/<token>/validate`, for API servers that cannot send a bearer token. */
export const tokenPathPrefix = "/t/:token";
