// https://hl7.org/fhir/R4/http.html#patch with JSON Patch (RFC 6902, https://www.rfc-editor.org/rfc/rfc6902)
import { applyPatch as applyOperations, JsonPatchError, type Operation } from 'fast-json-patch';
import { badRequest, FhirError, unprocessable } from '../outcome';

const OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

/** Errors that mean "the document is malformed" (400) rather than "it does not apply" (422). */
const MALFORMED = new Set([
  'SEQUENCE_NOT_AN_ARRAY',
  'OPERATION_NOT_AN_OBJECT',
  'OPERATION_OP_INVALID',
  'OPERATION_PATH_INVALID',
  'OPERATION_FROM_REQUIRED',
  'OPERATION_VALUE_REQUIRED',
  'OPERATION_VALUE_CANNOT_CONTAIN_UNDEFINED',
]);

/**
 * Check the shape of a JSON Patch document: an array of operations, each with a known `op`
 * and a JSON Pointer `path`. Malformed → 400 naming the operation.
 */
export function parseJsonPatch(body: unknown): Operation[] {
  if (!Array.isArray(body)) throw badRequest('A JSON Patch document must be a JSON array of operations');
  body.forEach((op, i) => {
    const where = `operation ${i}`;
    if (typeof op !== 'object' || op === null || Array.isArray(op)) throw badRequest(`JSON Patch ${where} is not an object`);
    const { op: name, path, from } = op as Record<string, unknown>;
    if (typeof name !== 'string' || !OPS.has(name)) throw badRequest(`JSON Patch ${where}: 'op' must be one of ${[...OPS].join(', ')}`);
    if (typeof path !== 'string' || (path !== '' && !path.startsWith('/'))) {
      throw badRequest(`JSON Patch ${where}: 'path' must be a JSON Pointer such as /name/0/family`);
    }
    if ((name === 'move' || name === 'copy') && (typeof from !== 'string' || (from !== '' && !from.startsWith('/')))) {
      throw badRequest(`JSON Patch ${where}: '${name}' needs a JSON Pointer 'from'`);
    }
    if ((name === 'add' || name === 'replace' || name === 'test') && !('value' in (op as object))) {
      throw badRequest(`JSON Patch ${where}: '${name}' needs a 'value'`);
    }
  });
  return body as Operation[];
}

/**
 * Apply operations to a copy of `resource`; the input is never modified, so a failing patch
 * changes nothing. A failed `test`, a path that does not exist, an index out of bounds, an
 * operation on the resource itself or a result that is no resource → 422
 * (https://hl7.org/fhir/R4/http.html#patch: a patch that cannot be applied is unprocessable).
 */
export function applyJsonPatch(resource: Record<string, unknown>, operations: readonly Operation[]): Record<string, unknown> {
  operations.forEach((op, i) => checkApplicable(op, i));
  let result: unknown;
  try {
    result = applyOperations(resource, operations as Operation[], true, false).newDocument;
  } catch (err) {
    if (err instanceof JsonPatchError) {
      const at = err.index === undefined ? '' : ` (operation ${err.index}: ${operations[err.index]?.op} ${operations[err.index]?.path})`;
      const message = err.message.split('\n')[0];
      if (MALFORMED.has(err.name)) throw badRequest(`JSON Patch is malformed${at}: ${message}`);
      throw unprocessable([{ severity: 'error', code: 'processing', diagnostics: `JSON Patch failed${at}: ${message}` }]);
    }
    if (err instanceof FhirError) throw err;
    // fast-json-patch refuses __proto__ / constructor paths with a TypeError.
    throw badRequest(`JSON Patch refused: ${(err as Error).message.split('\n')[0]}`);
  }
  if (typeof result !== 'object' || result === null || Array.isArray(result)) {
    throw unprocessable([{ severity: 'error', code: 'processing', diagnostics: 'JSON Patch does not yield a resource (a JSON object)' }]);
  }
  return result as Record<string, unknown>;
}

/**
 * Operations fast-json-patch would carry out on the document as a whole: `path` "" (the root)
 * replaces or removes the resource itself (a PATCH is not a PUT; `remove ""` left null, which
 * then failed as a TypeError, a 500), and a `move` whose `from` contains its `path` (RFC 6902
 * §4.4 forbids it; from the root it built a circular document).
 */
function checkApplicable(op: Operation, index: number): void {
  const refuse = (why: string) => unprocessable([{ severity: 'error', code: 'processing', diagnostics: `JSON Patch operation ${index} (${op.op} ${op.path}): ${why}` }]);
  if (op.path === '' && op.op !== 'test') throw refuse('an operation on the whole resource (path "") is not a patch; patch its elements, or PUT the resource');
  if (op.op === 'move' && (op.from === '' || op.path.startsWith(`${op.from}/`))) {
    throw refuse(`'from' ${op.from === '' ? '"" (the resource itself)' : op.from} contains 'path'; an element cannot move into itself`);
  }
}
