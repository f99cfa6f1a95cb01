import type { KolibriModule } from '../modules/module';
import { upsertDefinitions } from '../modules/definitions';
import { applyInstanceSpec, applySystemSpec } from './apply';
import { futDefinition, futRoute, type FutOperationSpec } from './operation-definition';
import { createEpisodeOfCareSpec } from './create-episode-of-care';
import { createPatientSpec } from './create-patient';
import { isContextAllowedSpec } from './episode-context';
import { setMeasurementValiditySpec } from './measurement-validity';
import { getPatientProceduresSpec } from './patient-procedures';
import { searchMeasurementsBundleLimitSpec, searchMeasurementsSpec } from './search-measurements';
import { submitMeasurementSpec } from './submit-measurement';
import { suggestCareTeamsSpec } from './suggest-care-teams';
import { updateCareTeamsSpec } from './update-care-teams';

/** The FUT operations Kolibri serves, in CapabilityStatement order. */
export const FUT_OPERATIONS: readonly FutOperationSpec[] = [
  submitMeasurementSpec,
  applyInstanceSpec,
  applySystemSpec,
  setMeasurementValiditySpec,
  searchMeasurementsSpec,
  searchMeasurementsBundleLimitSpec,
  isContextAllowedSpec,
  createEpisodeOfCareSpec,
  updateCareTeamsSpec,
  suggestCareTeamsSpec,
  getPatientProceduresSpec,
  createPatientSpec,
];

/**
 * The Danish national eHealth infrastructure's (FUT) API as a module on top of telemedicine: its
 * measurement and clinical-flow operations at FUT's canonical URLs, levels and parameters. Each runs
 * the telemedicine module's own code path where Kolibri has the operation (submission and triage,
 * plan instantiation), so the two APIs cannot drift; the OperationDefinitions served are written
 * from the same parameter declarations the routes parse with. Compose it after telemedicine.
 */
export function futModule(): KolibriModule {
  return {
    name: 'fut',
    operations: FUT_OPERATIONS.map(futRoute),
    loadTemplates: (deps) => upsertDefinitions(deps, FUT_OPERATIONS.map(futDefinition)),
  };
}
