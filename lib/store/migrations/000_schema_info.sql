-- The schema generation this database was migrated to (lib/store/schema.ts checks it at start and
-- writes it once the migrations have run).
CREATE TABLE IF NOT EXISTS ${db}.schema_info${local} ${onCluster}
(
    generation UInt32,
    migrated_at DateTime DEFAULT now()
)
ENGINE = ${engine:ReplacingMergeTree}
ORDER BY generation;
-- distributed: schema_info
