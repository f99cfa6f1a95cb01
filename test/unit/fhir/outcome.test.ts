import { badRequest, gone, methodNotAllowed, operationOutcome, preconditionFailed, unprocessable } from '../../../src/fhir/outcome';

describe('FhirError constructors and OperationOutcome rendering', () => {
  it('carry explicit statuses and issue codes', () => {
    expect([badRequest('x').status, gone('x').status, preconditionFailed('x').status, unprocessable([]).status]).toEqual([400, 410, 412, 422]);
    expect(methodNotAllowed('x', ['GET', 'PUT']).headers).toEqual({ allow: 'GET, PUT' });
    expect(badRequest('bad', ['Patient.birthDate']).issues).toEqual([
      { severity: 'error', code: 'invalid', diagnostics: 'bad', expression: ['Patient.birthDate'] },
    ]);
  });

  it('renders issues as an OperationOutcome, omitting empty expressions', () => {
    expect(operationOutcome([{ severity: 'warning', code: 'value', diagnostics: 'd', expression: [] }])).toEqual({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'warning', code: 'value', diagnostics: 'd' }],
    });
  });
});
