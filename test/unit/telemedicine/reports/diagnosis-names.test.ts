import { join } from 'node:path';
import { loadDefinitions } from '../../../../src/fhir/definitions/load';
import { diagnosisNames } from '../../../../src/telemedicine/reports/diagnosis-names';

const PROFILES = join(__dirname, '..', '..', '..', '..', 'fhir-profiles');

describe("diagnosis names of the national reports, from the patient groups' diagnosis ValueSets", () => {
  const names = diagnosisNames(loadDefinitions({ profileDirs: [PROFILES] }));

  it('names every group by the four-character key the reports group on, after the shortest code', () => {
    expect(names).toMatchObject({
      DJ44: 'KOL (DJ44)',
      DI50: 'Hjertesvigt (DI50)',
      DE10: 'Type 1-diabetes (DE10)',
      DE11: 'Type 2-diabetes (DE11)',
      DO14: 'Præeklampsi (DO14)',
      DK50: 'Crohns sygdom (DK50)',
      DK51: 'Colitis ulcerosa (DK51)',
      DL97: 'Sår på underekstremitet, ikke klassificeret andetsteds (DL97)',
      DI83: 'Åreknuder på underekstremitet med sår (DI83)',
    });
  });

  it('has no names without the diagnoses ValueSet', () => {
    expect(diagnosisNames({ valueSet: () => undefined })).toEqual({ DJ44: 'KOL (DJ44)', DI50: 'Hjertesvigt (DI50)' });
  });
});
