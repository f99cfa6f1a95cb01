// https://hl7.org/fhir/R4/fhirpatch.html
import { evaluate } from 'fhirpath';
import r4 from 'fhirpath/fhir-context/r4';
import { badRequest, unprocessable } from '../outcome';
import type { FhirPathPatchOperation, PatchValue } from './fhirpath-patch-operations';

/** The parts of a fhirpath.js ResourceNode (evaluated with resolveInternalTypes: false) we use. */
interface Node {
  data: unknown;
  parentResNode: Node | null;
  /** Type name (`HumanName`), backbone path (`Patient.contact`) or resource type. */
  path: string | null;
  propName: string | null;
  index: number | null;
}

/** Where a node lives: `parent[key]`, or `parent[key][index]` in a list. */
interface Slot {
  parent: Record<string, unknown>;
  key: string;
  index: number | null;
}

type Json = Record<string, unknown>;

/**
 * Apply FHIRPath Patch operations, in order, to a copy of `resource`; the input is never
 * modified, so a failing patch changes nothing. Paths that select the wrong number of
 * elements, or an index out of range → 422 naming the operation; a path that does not parse → 400.
 */
export function applyFhirPathPatch(resource: Json, operations: readonly FhirPathPatchOperation[]): Json {
  const doc = structuredClone(resource);
  operations.forEach((op, i) => applyOne(doc, op, `operation ${i} (${op.type} ${op.path})`));
  return doc;
}

function applyOne(doc: Json, op: FhirPathPatchOperation, where: string): void {
  const fail = (why: string) => unprocessable([{ severity: 'error', code: 'processing', diagnostics: `FHIRPath Patch ${where}: ${why}`, expression: [op.path] }]);
  const nodes = select(doc, op.path, where);
  const single = (): Node => {
    if (nodes.length !== 1) throw fail(`the path must select exactly one element, it selects ${nodes.length}`);
    return nodes[0];
  };
  switch (op.type) {
    case 'add': {
      const target = single();
      if (!isObject(target.data)) throw fail('the path selects a primitive value, which has no properties to add to');
      const key = choiceKey(target.path, op.name, op.value);
      const existing = target.data[key];
      if (Array.isArray(existing)) existing.push(op.value.value);
      else if (existing !== undefined) throw fail(`'${key}' already has a value; use replace`);
      else target.data[key] = r4.path2Repeating[`${target.path}.${op.name}`] ? [op.value.value] : op.value.value;
      return;
    }
    case 'insert': {
      if (nodes.length === 0) {
        // An empty list selects nothing: insert at 0 is an add to the element that would hold it.
        if (op.index !== 0) throw fail(`index ${op.index} is beyond the end of an empty list`);
        const dot = op.path.lastIndexOf('.');
        if (dot < 0 || !/^[A-Za-z][A-Za-z0-9]*$/.test(op.path.slice(dot + 1))) throw fail('the path selects no list');
        applyOne(doc, { type: 'add', path: op.path.slice(0, dot), name: op.path.slice(dot + 1), value: op.value }, where);
        return;
      }
      const { list, slot } = sameList(nodes, fail);
      if (op.index > list.length) throw fail(`index ${op.index} is beyond the end of the list (${list.length} elements)`);
      list.splice(op.index, 0, op.value.value);
      partner(slot)?.splice(op.index, 0, null);
      return;
    }
    case 'delete': {
      if (nodes.length === 0) return; // "Path of the element to delete (if found)"
      const slot = slotOf(single(), fail);
      if (slot.index === null) {
        delete slot.parent[slot.key];
        delete slot.parent[`_${slot.key}`];
        return;
      }
      const list = slot.parent[slot.key] as unknown[];
      list.splice(slot.index, 1);
      const extras = partner(slot);
      extras?.splice(slot.index, 1);
      if (list.length === 0) {
        delete slot.parent[slot.key];
        delete slot.parent[`_${slot.key}`];
      }
      return;
    }
    case 'replace': {
      const node = single();
      const slot = slotOf(node, fail);
      if (slot.index !== null) (slot.parent[slot.key] as unknown[])[slot.index] = op.value.value;
      else {
        // A choice element may change type: valueQuantity replaced by a string is valueString.
        const stem = node.propName as string;
        const key = slot.key !== stem && op.value.type ? `${stem}${op.value.type}` : slot.key;
        if (key !== slot.key) delete slot.parent[slot.key];
        slot.parent[key] = op.value.value;
      }
      return;
    }
    case 'move': {
      if (nodes.length === 0) throw fail('the path selects no list');
      const { list, slot } = sameList(nodes, fail);
      if (op.source >= list.length || op.destination >= list.length) {
        throw fail(`source ${op.source} and destination ${op.destination} must be below the list's length (${list.length})`);
      }
      const move = (xs: unknown[]) => xs.splice(op.destination, 0, ...xs.splice(op.source, 1));
      move(list);
      const extras = partner(slot);
      if (extras) move(extras);
      return;
    }
  }
}

function select(doc: Json, path: string, where: string): Node[] {
  let result: unknown[];
  try {
    result = evaluate(doc as never, path, undefined, r4, { resolveInternalTypes: false }) as unknown[];
  } catch (err) {
    throw badRequest(`FHIRPath Patch ${where}: the path is not valid FHIRPath: ${(err as Error).message.split('\n')[0]}`, [path]);
  }
  for (const n of result) {
    if (!isObject(n) || !('parentResNode' in n)) {
      throw unprocessable([{ severity: 'error', code: 'processing', diagnostics: `FHIRPath Patch ${where}: the path must select elements of the resource, not computed values`, expression: [path] }]);
    }
  }
  return result as Node[];
}

function slotOf(node: Node, fail: (why: string) => Error): Slot {
  const parent = node.parentResNode?.data;
  if (!node.propName || !isObject(parent)) throw fail('the path selects the resource itself');
  // For a choice element fhirpath names the stem (`value`); the JSON key carries the type.
  const key = node.propName in parent ? node.propName : Object.keys(parent).find((k) => k.startsWith(node.propName as string) && /^[A-Z]/.test(k.slice((node.propName as string).length)));
  if (!key) throw fail('the selected element could not be located in the resource');
  return { parent, key, index: Array.isArray(parent[key]) ? node.index : null };
}

function sameList(nodes: Node[], fail: (why: string) => Error): { list: unknown[]; slot: Slot } {
  const slot = slotOf(nodes[0], fail);
  const list = slot.parent[slot.key];
  if (!Array.isArray(list) || nodes.some((n) => n.parentResNode?.data !== slot.parent || n.propName !== nodes[0].propName)) {
    throw fail('the path must select one list (e.g. Patient.identifier)');
  }
  return { list, slot };
}

/** The `_name` array that carries ids and extensions of a primitive list, kept in step. */
function partner(slot: Slot): unknown[] | undefined {
  const extras = slot.parent[`_${slot.key}`];
  return Array.isArray(extras) ? extras : undefined;
}

/** The JSON key for adding `name` under an element of `typePath`: choice elements carry the value's type. */
function choiceKey(typePath: string | null, name: string, value: PatchValue): string {
  const choices = r4.choiceTypePaths[`${typePath}.${name}`] as string[] | undefined;
  if (!choices) return name;
  if (!value.type || !choices.includes(value.type)) {
    throw badRequest(`'${name}' is a choice of ${choices.join(', ')}: give the value as value[x] with one of those types`);
  }
  return `${name}${value.type}`;
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
