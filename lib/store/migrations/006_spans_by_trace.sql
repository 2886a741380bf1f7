-- A copy of every span ordered by trace id, kept by ClickHouse inside the spans table's parts, so a
-- request timeline reads its traces' spans from a few adjacent granules instead of one granule per
-- span scattered by service (measured at 10M spans: the spans lookup 72 → 22 ms per round). It costs
-- ingest throughput and storage; docs/benchmarks.md has the figures.
ALTER TABLE ${db}.spans${local} ${onCluster} ADD PROJECTION IF NOT EXISTS by_trace (SELECT * ORDER BY trace_id);
