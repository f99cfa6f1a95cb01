-- Kolibri storage: every version of every resource, the current version cheap to read.
--
-- resource          one row per (type, id): the current version, or a tombstone when deleted.
--                   `rid` is a compact surrogate key used by the search-index tables.
-- resource_version  every version ever written (history), deletes included (content NULL).
--
-- Content is stored as the exact JSON text served to clients (meta.versionId and
-- meta.lastUpdated included) so reads need no re-serialisation; cast to jsonb for ad-hoc SQL.
-- Search-index tables (later migrations) key their rows by resource.rid and are written in
-- the same transaction as the resource.

CREATE TABLE resource (
  rid           bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  resource_type text        NOT NULL,
  id            text        NOT NULL,
  version_id    integer     NOT NULL CHECK (version_id > 0),
  last_updated  timestamptz NOT NULL,
  deleted       boolean     NOT NULL DEFAULT false,
  content       text,
  CONSTRAINT resource_pk PRIMARY KEY (resource_type, id),
  CONSTRAINT resource_content_ck CHECK (deleted OR content IS NOT NULL)
);

CREATE INDEX resource_type_updated_ix ON resource (resource_type, last_updated) WHERE NOT deleted;

CREATE TABLE resource_version (
  seq           bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  resource_type text        NOT NULL,
  id            text        NOT NULL,
  version_id    integer     NOT NULL CHECK (version_id > 0),
  last_updated  timestamptz NOT NULL,
  -- the interaction that produced this version, for Bundle.entry.request in history
  method        text        NOT NULL CHECK (method IN ('POST', 'PUT', 'PATCH', 'DELETE')),
  content       text,
  CONSTRAINT resource_version_pk PRIMARY KEY (resource_type, id, version_id),
  CONSTRAINT resource_version_content_ck CHECK (method = 'DELETE' OR content IS NOT NULL)
);

-- history paging: newest first at system, type and instance level
CREATE INDEX resource_version_system_ix ON resource_version (last_updated DESC, seq DESC);
CREATE INDEX resource_version_type_ix ON resource_version (resource_type, last_updated DESC, seq DESC);
