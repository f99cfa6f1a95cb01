-- Kolibri search index: one table per SearchParameter type, rows keyed by resource.rid.
-- https://hl7.org/fhir/R4/search.html
--
-- Every row carries:
--   rid    resource.rid of the CURRENT version of the indexed resource. Rows are replaced
--          (delete + insert) in the transaction that writes the resource; a deleted resource
--          has none. No foreign key: resource rows are never hard-deleted (tombstones keep
--          history), and an FK would add one lookup into resource per index row written.
--          Anything that ever hard-deletes resources must delete the index rows by rid too.
--   param  int4 key of "ResourceType.code" (or "ResourceType.code:facet", e.g. ":text",
--          ":identifier", ":of-type", "$0" for composite components): FNV-1a of the text,
--          see src/fhir/search/param-key.ts. One int instead of two text columns keeps rows
--          and every btree small (1M Observations × ~30 rows), and keys each index by type.
--   grp    0, or for a composite parameter the ordinal of the node the components were
--          taken from: components of one composite value share (rid, grp).
--
-- Text columns compared with search values use COLLATE "C" so that plain btree indexes serve
-- `LIKE 'prefix%'` and comparisons don't depend on the database locale; columns joined to
-- resource.resource_type / resource.id keep the database collation so those joins use indexes.
-- Every table has (rid, param) for replacing a resource's rows, _include and _sort look-ups.

-- string: `norm` is the folded form (case, accents, Danish letters; see
-- src/fhir/search/normalize.ts), truncated to 255 characters; `value` the original for :exact.
CREATE TABLE search_string (
  rid   bigint   NOT NULL,
  param integer  NOT NULL,
  grp   smallint NOT NULL DEFAULT 0,
  norm  text COLLATE "C" NOT NULL,
  value text NOT NULL
);
CREATE INDEX search_string_match_ix ON search_string (param, norm);
CREATE INDEX search_string_rid_ix ON search_string (rid, param);

-- token: Coding/CodeableConcept/Identifier/ContactPoint/code/boolean/id values.
-- Case-sensitive, as codes and identifiers are (https://hl7.org/fhir/R4/search.html#token).
CREATE TABLE search_token (
  rid    bigint   NOT NULL,
  param  integer  NOT NULL,
  grp    smallint NOT NULL DEFAULT 0,
  system text COLLATE "C",
  value  text COLLATE "C" NOT NULL
);
CREATE INDEX search_token_match_ix ON search_token (param, value, system);
CREATE INDEX search_token_rid_ix ON search_token (rid, param);

-- reference: local references as (target_type, target_id); absolute URLs elsewhere and
-- canonicals in `url`; a reference with only an identifier gets a row with all three NULL
-- (its identifier is a token row under the ":identifier" facet).
CREATE TABLE search_reference (
  rid         bigint   NOT NULL,
  param       integer  NOT NULL,
  grp         smallint NOT NULL DEFAULT 0,
  -- database collation like resource.resource_type/id, which they are joined to by equality
  target_type text,
  target_id   text,
  url         text COLLATE "C"
);
-- subject=Patient/x, _revinclude, _has and chains all look up by target
CREATE INDEX search_reference_target_ix ON search_reference (param, target_id, target_type);
CREATE INDEX search_reference_url_ix ON search_reference (param, url) WHERE url IS NOT NULL;
CREATE INDEX search_reference_rid_ix ON search_reference (rid, param);

-- date: half-open range [low, high) per the value's precision; 'infinity' for open Period ends.
-- https://hl7.org/fhir/R4/search.html#date
CREATE TABLE search_date (
  rid   bigint      NOT NULL,
  param integer     NOT NULL,
  grp   smallint    NOT NULL DEFAULT 0,
  low   timestamptz NOT NULL,
  high  timestamptz NOT NULL
);
CREATE INDEX search_date_low_ix ON search_date (param, low, high);
CREATE INDEX search_date_high_ix ON search_date (param, high);
CREATE INDEX search_date_rid_ix ON search_date (rid, param);

-- number: closed range [low, high]; low = high for a single value, Range gives both.
CREATE TABLE search_number (
  rid   bigint   NOT NULL,
  param integer  NOT NULL,
  grp   smallint NOT NULL DEFAULT 0,
  low   numeric,
  high  numeric
);
CREATE INDEX search_number_match_ix ON search_number (param, low, high);
CREATE INDEX search_number_rid_ix ON search_number (rid, param);

-- quantity: like number plus system and code (UCUM) and the human unit.
CREATE TABLE search_quantity (
  rid    bigint   NOT NULL,
  param  integer  NOT NULL,
  grp    smallint NOT NULL DEFAULT 0,
  system text COLLATE "C",
  code   text COLLATE "C",
  unit   text,
  low    numeric,
  high   numeric
);
CREATE INDEX search_quantity_match_ix ON search_quantity (param, low, high);
CREATE INDEX search_quantity_rid_ix ON search_quantity (rid, param);

-- uri: exact, :below (prefix, served by the C-collated index) and :above.
CREATE TABLE search_uri (
  rid   bigint   NOT NULL,
  param integer  NOT NULL,
  grp   smallint NOT NULL DEFAULT 0,
  value text COLLATE "C" NOT NULL
);
CREATE INDEX search_uri_match_ix ON search_uri (param, value);
CREATE INDEX search_uri_rid_ix ON search_uri (rid, param);

-- Patient-compartment membership, from the R4 Patient CompartmentDefinition at write time
-- (https://hl7.org/fhir/R4/compartmentdefinition-patient.html). A Patient is a member of its
-- own compartment. Used for compartment search and by authorization filters inside SQL.
CREATE TABLE resource_compartment (
  rid              bigint NOT NULL,
  compartment_type text NOT NULL,
  compartment_id   text NOT NULL
);
-- not unique on purpose: the index writer deletes old and inserts new rows in one statement
-- (sibling CTEs), where a unique key would see the old row and reject the new one
CREATE INDEX resource_compartment_member_ix ON resource_compartment (compartment_type, compartment_id, rid);
CREATE INDEX resource_compartment_rid_ix ON resource_compartment (rid);
