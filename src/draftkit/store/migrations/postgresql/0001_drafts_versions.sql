-- Drafts and their versions.
CREATE TABLE IF NOT EXISTS drafts (
    id TEXT PRIMARY KEY,
    seq BIGSERIAL,
    owner TEXT,
    title TEXT NOT NULL,
    facts_json TEXT,
    report_json TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS versions (
    draft_id TEXT NOT NULL REFERENCES drafts(id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    note TEXT NOT NULL,
    report_json TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (draft_id, number)
);
CREATE INDEX IF NOT EXISTS drafts_owner ON drafts(owner, updated_at);
