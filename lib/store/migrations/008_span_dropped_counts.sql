-- What a span lost before it was stored, as OTLP counts it (Span.dropped_attributes_count,
-- dropped_events_count, dropped_links_count): the sender's own counts plus what the collector's
-- per-client limits cut (EVENTSCOPE_MAX_ATTRIBUTES_PER_SPAN, _EVENTS_PER_SPAN, _LINKS_PER_SPAN; issue 10).
-- The second statement adds them to the Distributed table in cluster mode; on a single node it
-- names the same table again and changes nothing.
ALTER TABLE ${db}.spans${local} ${onCluster}
    ADD COLUMN IF NOT EXISTS dropped_attributes_count UInt32 DEFAULT 0 CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS dropped_events_count UInt32 DEFAULT 0 CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS dropped_links_count UInt32 DEFAULT 0 CODEC(ZSTD(1));

ALTER TABLE ${db}.spans ${onCluster}
    ADD COLUMN IF NOT EXISTS dropped_attributes_count UInt32 DEFAULT 0,
    ADD COLUMN IF NOT EXISTS dropped_events_count UInt32 DEFAULT 0,
    ADD COLUMN IF NOT EXISTS dropped_links_count UInt32 DEFAULT 0;
