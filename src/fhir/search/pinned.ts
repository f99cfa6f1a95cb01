import type { DefinitionRegistry } from '../definitions/registry';
import type { SearchRequest } from './ast';
import { splitUnion } from './expression';

/** `….where(resolve() is Patient)`: the references of a path that name a Patient. */
const PATIENT_ONLY = /\.where\(\s*resolve\(\)\s+is\s+(?:FHIR\.)?Patient\s*\)$/;

/**
 * The sets of patients a search is pinned to: for each set, every match is in the Patient
 * compartment of one of its patients. A compartment search (`Patient/x/Observation`) is one; so
 * is a criterion whose every value names a Patient (`subject=Patient/x`, `patient=x`,
 * `subject:Patient=x,y`) on a parameter that, for every type searched, reads only references
 * the index makes compartment members from: a parameter of the Patient CompartmentDefinition,
 * or one whose paths are such a parameter's narrowed to Patients (R4's `patient` is
 * `Observation.subject.where(resolve() is Patient)`, `subject` a compartment parameter).
 * https://hl7.org/fhir/R4/compartmentdefinition-patient.html
 */
export function pinnedPatients(request: SearchRequest, registry: DefinitionRegistry): string[][] {
  const sets: string[][] = [];
  if (request.compartment?.type === 'Patient') sets.push([request.compartment.id]);
  for (const c of request.criteria) {
    if (c.kind !== 'param' || c.type !== 'reference' || c.values.length === 0) continue;
    const kinds = request.types.map((type) => pinningOf(registry, type, c.code));
    if (!kinds.every((k) => k.inCompartment)) continue;
    // a bare id names a Patient when the parameter indexes nothing else
    const onlyPatients = kinds.every((k) => k.onlyPatients);
    const ids: string[] = [];
    for (const v of c.values) if (v.kind === 'local' && (v.targetType ?? (onlyPatients ? 'Patient' : undefined)) === 'Patient') ids.push(v.id);
    if (ids.length === c.values.length) sets.push(ids);
  }
  return sets;
}

interface Pinning {
  /** Every reference the parameter reads on the type makes a Patient-compartment member. */
  inCompartment: boolean;
  /** It reads Patient references only. */
  onlyPatients: boolean;
}

/**
 * How a parameter pins on a type, worked out once per registry generation (a stored
 * SearchParameter can change it): R4's `patient` expression is read apart on every search
 * otherwise, about 14 µs of a pinned search's CPU.
 */
const pinnings = new WeakMap<DefinitionRegistry, { generation: number; byParam: Map<string, Pinning> }>();

function pinningOf(registry: DefinitionRegistry, type: string, code: string): Pinning {
  let cache = pinnings.get(registry);
  if (!cache || cache.generation !== registry.generation) pinnings.set(registry, (cache = { generation: registry.generation, byParam: new Map() }));
  const key = `${type}|${code}`;
  let pinning = cache.byParam.get(key);
  if (!pinning) cache.byParam.set(key, (pinning = { inCompartment: inCompartmentPaths(registry, type, code), onlyPatients: namesOnlyPatients(registry, type, code) }));
  return pinning;
}

function inCompartmentPaths(registry: DefinitionRegistry, type: string, code: string): boolean {
  const params = registry.compartmentParams('Patient', type);
  if (params.includes(code)) return true;
  const own = pathsOf(registry, type, code);
  if (own.length === 0) return false;
  const compartment = new Set(params.flatMap((p) => pathsOf(registry, type, p)));
  return own.every((path) => compartment.has(path.replace(PATIENT_ONLY, '')));
}

/** Patient is the parameter's only target, or each of its paths keeps Patient references only. */
function namesOnlyPatients(registry: DefinitionRegistry, type: string, code: string): boolean {
  if ((registry.searchParameter(type, code)?.target ?? []).join() === 'Patient') return true;
  const paths = pathsOf(registry, type, code);
  return paths.length > 0 && paths.every((path) => PATIENT_ONLY.test(path));
}

/** The parts of a parameter's expression that apply to `type`. */
function pathsOf(registry: DefinitionRegistry, type: string, code: string): string[] {
  const expression = registry.searchParameter(type, code)?.expression;
  return expression ? splitUnion(expression).map((p) => p.trim()).filter((p) => p.startsWith(`${type}.`)) : [];
}
