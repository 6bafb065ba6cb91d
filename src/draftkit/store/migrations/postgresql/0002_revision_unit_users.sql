-- Optimistic versioning (a save names the revision it started from), the unit a draft belongs to,
-- and accounts with roles.
ALTER TABLE drafts ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
ALTER TABLE drafts ADD COLUMN unit TEXT;
CREATE INDEX IF NOT EXISTS drafts_unit ON drafts(unit, updated_at);
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL CHECK (role IN ('secretary', 'reviewer', 'admin')),
    unit TEXT,
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    CHECK (role <> 'secretary' OR unit IS NOT NULL)
);
