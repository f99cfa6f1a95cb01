-- Conformance resources at run time (src/conformance/).
--
-- conformance_builtin  the rows written from the definition files (R4 base and fhir-profiles/):
--                      served like any resource, never changed through the API.
-- conformance_seed     the fingerprint of the files last written, so a start with the same files
--                      writes nothing.
-- The trigger tells every server instance (LISTEN kolibri_definitions) that a StructureDefinition,
-- ValueSet, CodeSystem or SearchParameter changed. NOTIFY is delivered at COMMIT and only then, to
-- every session listening, whichever instance or tool (CLI, psql) wrote. The seeder turns it off
-- for its own transaction (kolibri.seeding): built-in rows are in every instance's files already.

CREATE TABLE conformance_builtin (
  resource_type text NOT NULL,
  id            text NOT NULL,
  CONSTRAINT conformance_builtin_pk PRIMARY KEY (resource_type, id)
);

CREATE TABLE conformance_seed (
  name        text PRIMARY KEY,
  fingerprint text NOT NULL,
  seeded_at   timestamptz NOT NULL
);

CREATE FUNCTION kolibri_notify_definition() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('kolibri.seeding', true) IS DISTINCT FROM 'on' THEN
    PERFORM pg_notify('kolibri_definitions', NEW.resource_type || '/' || NEW.id);
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER resource_definition_notify AFTER INSERT OR UPDATE ON resource
  FOR EACH ROW WHEN (NEW.resource_type IN ('StructureDefinition', 'ValueSet', 'CodeSystem', 'SearchParameter'))
  EXECUTE FUNCTION kolibri_notify_definition();
