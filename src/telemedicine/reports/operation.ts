/** `[base]/$rollout-report` as the CapabilityStatement names it (rest.operation). */
export const ROLLOUT_REPORT_OPERATION = {
  name: 'rollout-report',
  definition: 'https://kolibri.dk/fhir/OperationDefinition/rollout-report',
} as const;
