-- Search conformance: columns for comparisons the original index could not make.
-- https://hl7.org/fhir/R4/search.html
--
-- search_quantity: UCUM quantities also in canonical base units (src/fhir/search/ucum.ts), so
-- `value-quantity=5.4|http://unitsofmeasure.org|kg` finds 5400 g and prefixes compare across
-- units. NULL for other systems, special units (Cel) and rows written before this migration
-- (those compare as written until `kolibri reindex` rewrites them).
ALTER TABLE search_quantity
  ADD COLUMN canonical_code text COLLATE "C",
  ADD COLUMN canonical_low numeric,
  ADD COLUMN canonical_high numeric;
CREATE INDEX search_quantity_canonical_ix ON search_quantity (param, canonical_code, canonical_low, canonical_high)
  WHERE canonical_code IS NOT NULL;

-- search_string: `norm` is cut to 255 characters for its btree; the whole folded value is kept
-- here (only when it was cut, so short values cost nothing) and decides :contains and prefix
-- matches that reach past the cut.
ALTER TABLE search_string ADD COLUMN norm_full text COLLATE "C";
