-- light, dark, or system (follow the browser's prefers-color-scheme).
ALTER TABLE users ADD COLUMN theme TEXT NOT NULL DEFAULT 'system';
