import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SearchParameter } from '@medplum/fhirtypes';
import { DEFAULT_DEFINITIONS_CACHE } from '../../../../src/fhir/definitions/cache';
import { loadDefinitions } from '../../../../src/fhir/definitions/load';
import { IndexExtractor } from '../../../../src/fhir/search/extract';
import { isIndexed } from '../../../../src/fhir/search/supported';

/** Kolibri's definitions of FUT's search parameters (fhir-profiles/fut-search) load, are indexed and take FUT's canonical URLs. */
const DIR = join(__dirname, '../../../../fhir-profiles/fut-search');
const registry = loadDefinitions({ profileDirs: [join(__dirname, '../../../../fhir-profiles')], cacheDir: DEFAULT_DEFINITIONS_CACHE });
const definitions = readdirSync(DIR).map((f) => JSON.parse(readFileSync(join(DIR, f), 'utf8')) as SearchParameter);

describe('fhir-profiles/fut-search', () => {
  it.each(definitions.map((sp) => [`${sp.base?.[0]}.${sp.code}`, sp]))('%s is indexed under its FUT canonical URL', (_name, sp) => {
    const type = (sp as SearchParameter).base![0];
    const code = (sp as SearchParameter).code!;
    expect((sp as SearchParameter).url).toBe(`http://ehealth.sundhed.dk/fhir/SearchParameter/${type}/${code}`);
    expect(registry.searchParameter(type, code)?.url).toBe((sp as SearchParameter).url);
    expect(isIndexed(registry, type, code)).toBe(true);
  });

  it('extracts an episode reference from Kolibri\'s extension on a Task', () => {
    const rows = new IndexExtractor(registry).extract({
      resourceType: 'Task',
      status: 'requested',
      intent: 'order',
      extension: [{ url: 'https://kolibri.dk/fhir/StructureDefinition/ext-episode-of-care', valueReference: { reference: 'EpisodeOfCare/e1' } }],
    });
    expect(rows.reference).toContainEqual(expect.objectContaining({ targetType: 'EpisodeOfCare', targetId: 'e1' }));
  });
});
