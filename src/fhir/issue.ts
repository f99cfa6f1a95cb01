/**
 * One finding about a request or resource, in the shape of an OperationOutcome.issue.
 * Validators and parsers return these; callers decide whether to throw.
 * https://hl7.org/fhir/R4/operationoutcome.html
 */
export type IssueSeverity = 'fatal' | 'error' | 'warning' | 'information';

/** The subset of http://hl7.org/fhir/issue-type that Kolibri emits. */
export type IssueCode =
  | 'invalid'
  | 'structure'
  | 'required'
  | 'value'
  | 'invariant'
  | 'security'
  | 'login'
  | 'forbidden'
  | 'processing'
  | 'not-supported'
  | 'duplicate'
  | 'multiple-matches'
  | 'not-found'
  | 'deleted'
  | 'too-long'
  | 'code-invalid'
  | 'extension'
  | 'too-costly'
  | 'business-rule'
  | 'conflict'
  | 'transient'
  | 'timeout'
  | 'throttled'
  | 'exception'
  | 'informational';

export interface Issue {
  severity: IssueSeverity;
  code: IssueCode;
  diagnostics: string;
  /** FHIRPath expressions locating the problem, e.g. `Observation.status`. */
  expression?: string[];
}

export function hasErrors(issues: readonly Issue[]): boolean {
  return issues.some((i) => i.severity === 'error' || i.severity === 'fatal');
}
