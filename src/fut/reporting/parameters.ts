import type { Coding, Parameters, ParametersParameter } from '@medplum/fhirtypes';
import { parseDateRange } from '../../fhir/search/date-range';
import { badRequest } from '../../fhir/outcome';

/** The input parameters FUT's reports take, and their types (OperationDefinition.parameter). */
export type ReportParameterName = 'anonymization' | 'organization' | 'period' | 'conditionCode' | 'condition' | 'status' | 'patient' | 'practitioner' | 'devicetype';

export interface ParameterSpec {
  name: ReportParameterName;
  type: 'string' | 'Reference' | 'Period' | 'Coding';
  min: 0 | 1;
  documentation: string;
}

export const ANONYMIZATION: ParameterSpec = {
  name: 'anonymization',
  type: 'string',
  min: 1,
  documentation:
    'NONE: the report holds ids and (patient total) the Patient resources; asking for it needs a scope allowing search of Patient. ANONYMIZED: ids, patient references, identifiers and narrative are left out, and files are numbered instead of named by id.',
};
export const ORGANIZATION: ParameterSpec = { name: 'organization', type: 'Reference', min: 0, documentation: 'Only episodes of care whose managingOrganization is this Organization.' };

/** The caller's choices, checked. */
export interface ReportInput {
  anonymized: boolean;
  /** Organization id of `organization`. */
  organization?: string;
  /** `period` as a half-open range of instants; either end may be open. */
  period?: { low?: string; high?: string };
  /** `conditionCode` or `condition` (the reports name it either way). */
  conditionCode?: { system?: string; code: string };
  status?: string;
  /** Patient id of `patient`. */
  patient?: string;
  /** Practitioner id of `practitioner`. */
  practitioner?: string;
  /** `devicetype`: a coding of Device.type. */
  deviceType?: { system?: string; code: string };
}

const EPISODE_STATUSES = ['planned', 'waitlist', 'active', 'onhold', 'finished', 'cancelled', 'entered-in-error'];

/**
 * Read a report's Parameters body: each parameter at most once, only the report's own, values of
 * the declared type. Anything else is a 400 naming the parameter.
 */
export function parseReportInput(body: unknown, specs: readonly ParameterSpec[]): ReportInput {
  const parameters = parametersOf(body);
  const seen = new Map<string, ParametersParameter>();
  for (const p of parameters) {
    const spec = specs.find((s) => s.name === p.name);
    if (!spec) throw badRequest(`Unknown parameter '${String(p.name)}'; this report takes ${specs.map((s) => s.name).join(', ')}`, ['Parameters.parameter']);
    if (seen.has(spec.name)) throw badRequest(`Parameter '${spec.name}' is given more than once`, ['Parameters.parameter']);
    seen.set(spec.name, p);
  }
  for (const spec of specs) if (spec.min === 1 && !seen.has(spec.name)) throw badRequest(`Parameter '${spec.name}' is required`, ['Parameters.parameter']);
  const input: ReportInput = { anonymized: anonymization(seen.get('anonymization')) };
  const org = seen.get('organization');
  if (org) input.organization = referenceId(org, 'Organization');
  const patient = seen.get('patient');
  if (patient) input.patient = referenceId(patient, 'Patient');
  const practitioner = seen.get('practitioner');
  if (practitioner) input.practitioner = referenceId(practitioner, 'Practitioner');
  const period = seen.get('period');
  if (period) input.period = periodRange(period);
  const code = seen.get('conditionCode') ?? seen.get('condition');
  if (code) input.conditionCode = coding(code);
  const deviceType = seen.get('devicetype');
  if (deviceType) input.deviceType = coding(deviceType);
  const status = seen.get('status');
  if (status) {
    const value = status.valueString ?? status.valueCode;
    if (!value || !EPISODE_STATUSES.includes(value)) throw badRequest(`status must be an EpisodeOfCare status (${EPISODE_STATUSES.join(', ')}), got '${String(value)}'`, ['status']);
    input.status = value;
  }
  return input;
}

/** The Parameters a POST carries; an empty body is no parameters. */
export function parametersOf(body: unknown): ParametersParameter[] {
  if (body === undefined || body === null || body === '') return [];
  const p = body as Parameters;
  if (typeof p !== 'object' || p.resourceType !== 'Parameters') throw badRequest('The body must be a Parameters resource', ['resourceType']);
  if (p.parameter !== undefined && !Array.isArray(p.parameter)) throw badRequest('Parameters.parameter must be an array', ['Parameters.parameter']);
  return p.parameter ?? [];
}

function anonymization(p: ParametersParameter | undefined): boolean {
  const value = (p?.valueString ?? p?.valueCode ?? '').toUpperCase();
  if (value === 'NONE') return false;
  if (value === 'ANONYMIZED') return true;
  throw badRequest(`anonymization must be NONE or ANONYMIZED, got '${String(p?.valueString ?? p?.valueCode)}'`, ['anonymization']);
}

/** `<Type>/<id>`, or an absolute URL ending in it (FUT clients send those): the id. */
function referenceId(p: ParametersParameter, type: string): string {
  const ref = p.valueReference?.reference ?? '';
  const m = new RegExp(`(?:^|/)${type}/([A-Za-z0-9\\-.]{1,64})$`).exec(ref);
  if (!m) throw badRequest(`${String(p.name)} must be a Reference to a ${type}, got '${ref}'`, [String(p.name)]);
  return m[1];
}

function periodRange(p: ParametersParameter): { low?: string; high?: string } {
  const period = p.valuePeriod;
  if (!period || (period.start === undefined && period.end === undefined)) throw badRequest('period must be a Period with a start or an end', ['period']);
  const bound = (text: string | undefined, which: 'start' | 'end') => {
    if (text === undefined) return undefined;
    const range = parseDateRange(text);
    if (!range) throw badRequest(`period.${which} is not a dateTime: '${text}'`, ['period']);
    return which === 'start' ? range.low : range.high;
  };
  const low = bound(period.start, 'start');
  const high = bound(period.end, 'end');
  if (low && high && Date.parse(high) <= Date.parse(low)) throw badRequest('period.end is before period.start', ['period']);
  return { low, high };
}

function coding(p: ParametersParameter): { system?: string; code: string } {
  const c: Coding | undefined = p.valueCoding;
  if (!c?.code) throw badRequest(`${String(p.name)} must be a Coding with a code`, [String(p.name)]);
  return c.system ? { system: c.system, code: c.code } : { code: c.code };
}
