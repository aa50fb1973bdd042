// Shared test data: what Rust sends about a snapshot.
import type { SnapshotDto } from "../src/bindings";

/** A snapshot of `environment`; snapshot 1 is 30 h old (stale), the others 2 h. */
export const snapshot = (id: number, environment: string): SnapshotDto => ({
  id,
  environment,
  taken_at: "2026-11-26T10:00:00Z",
  source: "demo",
  missing: [],
  resource_count: 10,
  age_hours: id === 1 ? 30 : 2,
  stale: id === 1,
  collected_by: null,
});
