import type { KolibriModule } from '../modules/module';
import { careModel } from './access/care-model';
import { applyInput, applyPlanDefinition } from './apply-plan';
import { appointmentRules } from './appointments';
import { retriageOnEnteredInError, withEnteredInErrorRule } from './entered-in-error';
import { unreadMessageTasks } from './messages';
import { withModalityRules } from './modality-capabilities';
import { rolloutReportOperation } from './reports/report-operation';
import { selfManagementReportOperation } from './reports/self-management-operation';
import { loadTargets, type Targets } from './reports/targets';
import { utilisationReportOperation } from './reports/utilisation-operation';
import { missingMeasurementJobKind } from './scheduler/scheduler-job';
import { getPatientProceduresOperation } from './scheduler/procedures';
import { submitMeasurement } from './submit-measurement';
import { requireTriage, withTriageRule } from './triage-required';
import { loadTemplates } from './template-loader';
import type { Colour } from './triage/colour';
import { triageOutcomeConsumer } from './triage/outcome-consumer';

export interface TelemedicineOptions {
  /** Target populations of $rollout-report (KOLIBRI_REPORT_TARGETS); default config/targets.json. */
  targets?: Targets;
  /** Counts every committed triage result by colour (main.ts: the Prometheus counter). */
  onTriageOutcome?: (outcome: Colour) => void;
  /** The missing-measurement job (a periodic job; interval 0 = never); without it the module runs no job. */
  scheduler?: {
    intervalSeconds: number;
    lookbackHours: number;
    onRun?: (result: 'ok' | 'error') => void;
  };
}

/**
 * The telemedicine workflow as a module of the engine: its care model (episodes and care teams
 * grant access to patients), plan templates and the workflow's
 * operations ($apply, $submit-measurement with measurements and photos, $get-patient-procedures,
 * $rollout-report, $utilisation-report, $self-management-report), the rules inside write
 * transactions (home measurements are written only through $submit-measurement, entered-in-error
 * re-triage, the video consultation's status workflow, the unread-message Task of a citizen's
 * message), the triage-outcome count from the change log and the missing-measurement scheduler.
 */
export function telemedicineModule(options: TelemedicineOptions = {}): KolibriModule {
  const targets = options.targets ?? loadTargets();
  const scheduler = options.scheduler;
  return {
    name: 'telemedicine',
    operations: [
      getPatientProceduresOperation,
      {
        name: 'apply',
        levels: ['instance'],
        methods: ['GET', 'POST'],
        types: ['PlanDefinition'],
        definition: 'https://kolibri.dk/fhir/OperationDefinition/PlanDefinition-kolibri-apply',
        handler: ({ deps, id, query, body }) => applyPlanDefinition(deps, id as string, applyInput(query, body)),
      },
      {
        name: 'submit-measurement',
        levels: ['instance'],
        methods: ['POST'],
        types: ['Patient'],
        definition: 'https://kolibri.dk/fhir/OperationDefinition/Patient-submit-measurement',
        handler: ({ deps, id, body }) => submitMeasurement(deps, id as string, body),
      },
      rolloutReportOperation(targets),
      utilisationReportOperation(targets),
      selfManagementReportOperation(targets),
    ],
    accessModel: careModel,
    writeHooks: [requireTriage, retriageOnEnteredInError, appointmentRules, unreadMessageTasks],
    changeConsumers: options.onTriageOutcome ? [triageOutcomeConsumer(options.onTriageOutcome)] : [],
    capability: { decorateResource: (resource) => withTriageRule(withModalityRules(withEnteredInErrorRule(resource))) },
    loadTemplates: (deps, profileDirs) => loadTemplates(deps, profileDirs),
    periodicJobs: (context) =>
      scheduler && scheduler.intervalSeconds > 0
        ? [missingMeasurementJobKind({ ...context, everySeconds: scheduler.intervalSeconds, lookbackHours: scheduler.lookbackHours, onRun: scheduler.onRun })]
        : [],
  };
}
