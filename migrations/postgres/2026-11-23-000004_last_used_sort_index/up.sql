-- Sorting by "last used" orders by coalesce(last_used_at, epoch) so that
-- never-used credentials sort as the oldest; this index serves that order.
DROP INDEX smtp_credentials_last_used_idx;
CREATE INDEX smtp_credentials_last_used_sort_idx
    ON smtp_credentials (workspace_id, (coalesce(last_used_at, '1970-01-01 00:00:00'::timestamp)), id);
