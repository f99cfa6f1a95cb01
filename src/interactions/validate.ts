// https://hl7.org/fhir/R4/resource-operation-validate.html
import type { Parameters, Resource } from '@medplum/fhirtypes';
import { hasErrors, type Issue } from '../fhir/issue';
import { badRequest, gone, notFound, operationOutcome } from '../fhir/outcome';
import { attachmentUrlIssues } from './attachment-urls';
import { questionnaireIssues } from './questionnaire-check';
import { checkId, checkType } from './resource-input';
import type { InteractionDeps, InteractionResult } from './types';
import { ensureVersionVisible } from './read';

/** $validate's deps: the request's interaction deps (canonical look-ups for QuestionnaireResponses). */
export type ValidateDeps = InteractionDeps;

export interface ValidateRequest {
  type: string;
  /** Set at instance level: POST /fhir/{type}/{id}/$validate. */
  id?: string;
  body: unknown;
  query: Record<string, string | string[] | undefined>;
}

const MODES = ['create', 'update', 'delete'] as const;

/**
 * `$validate`: the same checks a write runs (base definitions, meta.profile, server-enforced
 * profiles, the `profile` parameter, a QuestionnaireResponse against its Questionnaire),
 * answered as an OperationOutcome with 200 whatever the verdict. Nothing is stored.
 * The body is the resource itself, or a Parameters with `resource`, `mode` and `profile`.
 */
export async function validateOperation(deps: ValidateDeps, req: ValidateRequest): Promise<InteractionResult> {
  checkType(deps, req.type);
  if (req.id !== undefined) {
    checkId(req.id);
    // Instance level speaks about a stored resource: as visible as a read of it, and 404 (the
    // same answer) when it does not exist or the caller may not see it.
    deps.access.requireScope('read', req.type);
    const current = await deps.store.read(req.type, req.id);
    if (!current) throw notFound(`${req.type}/${req.id} is not known`);
    await ensureVersionVisible(deps, current);
  }
  const { resource, mode, profile } = readInput(req);
  if (mode !== undefined && !(MODES as readonly string[]).includes(mode)) {
    throw badRequest(`mode must be one of ${MODES.join(', ')}, got '${mode}'`, ['mode']);
  }
  if (mode === 'delete') return validateDelete(deps, req);
  if (resource === undefined) throw badRequest(`$validate needs a ${req.type} resource: the body, or a Parameters with 'resource'`);
  const issues: Issue[] = [];
  const id = (resource as { id?: unknown }).id;
  if (mode === 'update' && id === undefined) issues.push(error(`${req.type}.id`, 'mode=update: the resource must carry an id'));
  if (req.id !== undefined && id !== undefined && id !== req.id) {
    issues.push(error(`${req.type}.id`, `the resource's id '${String(id)}' does not match the URL's id '${req.id}'`));
  }
  issues.push(...deps.validator.validate(resource, { type: req.type, profiles: profile ? [profile] : [], extended: true }));
  if (!hasErrors(issues)) {
    issues.push(...(await questionnaireIssues(deps, resource as Resource, 'error')));
    issues.push(...(await attachmentUrlIssues(deps, resource as Resource)));
  }
  return outcome(issues);
}

async function validateDelete(deps: ValidateDeps, req: ValidateRequest): Promise<InteractionResult> {
  if (req.id === undefined) throw badRequest('mode=delete needs the instance: POST /fhir/{type}/{id}/$validate', ['mode']);
  const current = await deps.store.read(req.type, req.id);
  if (!current) throw notFound(`${req.type}/${req.id} is not known`);
  if (current.deleted) throw gone(`${req.type}/${req.id} was deleted`);
  // No referential integrity is enforced on delete, so nothing stands in its way.
  return outcome([]);
}

function readInput(req: ValidateRequest): { resource?: unknown; mode?: string; profile?: string } {
  const query = (name: string) => {
    const v = req.query[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const body = req.body as { resourceType?: unknown } | undefined;
  if (body && typeof body === 'object' && body.resourceType === 'Parameters' && req.type !== 'Parameters') {
    const params = (body as Parameters).parameter ?? [];
    const find = (name: string) => params.find((p) => p.name === name);
    const profile = find('profile');
    return {
      resource: find('resource')?.resource,
      mode: find('mode')?.valueCode ?? find('mode')?.valueString ?? query('mode'),
      profile: profile?.valueUri ?? profile?.valueCanonical ?? profile?.valueString ?? query('profile'),
    };
  }
  return { resource: body ?? undefined, mode: query('mode'), profile: query('profile') };
}

function outcome(issues: Issue[]): InteractionResult {
  const list = issues.length ? issues : [{ severity: 'information' as const, code: 'informational' as const, diagnostics: 'No issues detected during validation' }];
  return { status: 200, body: operationOutcome(list) };
}

function error(expression: string, diagnostics: string): Issue {
  return { severity: 'error', code: 'invalid', diagnostics, expression: [expression] };
}
