import type { Issue } from '../issue';
import type { ElementType } from '../definitions/element-tree';

/**
 * Reference target types: `Reference(Patient | Group)` allows only references to those types.
 * https://hl7.org/fhir/R4/references.html#Reference
 * The type is read from `reference` (`Patient/1`, `https://x/fhir/Patient/1`, `Patient/1/_history/2`)
 * or `type`; `#id` finds the contained resource. `urn:uuid:` / `urn:oid:` references (Bundle
 * entries) and logical references (identifier only) name no type and are not checked here.
 */

const REST_REF = /(?:^|\/)([A-Z][A-Za-z]+)\/[A-Za-z0-9\-.]{1,64}(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;

export interface TargetTypes {
  /** Allowed resource types; undefined = any. */
  readonly types: ReadonlySet<string> | undefined;
  /** Non-base profiles among the targets, for contained targets. */
  readonly profiles: readonly string[];
  /** Types allowed through their base definition (any instance of the type will do). */
  readonly plain: ReadonlySet<string>;
}

/** Reduce targetProfile URLs to resource types (unknown URLs: any type, nothing wrongly rejected). */
export function targetTypes(type: ElementType, typeOfProfile: (url: string) => string | undefined): TargetTypes {
  const any: TargetTypes = { types: undefined, profiles: [], plain: new Set() };
  if (type.targetProfile.length === 0) return any;
  const types = new Set<string>();
  const plain = new Set<string>();
  const profiles: string[] = [];
  for (const url of type.targetProfile) {
    const t = typeOfProfile(url);
    if (t === undefined || t === 'Resource') return any;
    types.add(t);
    if (url === `http://hl7.org/fhir/StructureDefinition/${t}`) plain.add(t);
    else profiles.push(url);
  }
  return { types, profiles, plain };
}

/** The resource type a Reference names, `#` for a contained reference, or undefined. */
export function referencedType(ref: { reference?: unknown; type?: unknown }): string | undefined {
  if (typeof ref.reference === 'string') {
    if (ref.reference.startsWith('#')) return '#';
    const m = REST_REF.exec(ref.reference);
    if (m) return m[1];
  }
  return typeof ref.type === 'string' ? ref.type : undefined;
}

export function checkTargetType(type: string, targets: TargetTypes, expression: string): Issue | undefined {
  if (!targets.types || targets.types.has(type)) return undefined;
  return {
    severity: 'error',
    code: 'structure',
    diagnostics: `${expression}: a reference to ${type} is not allowed here (allowed: ${[...targets.types].join(', ')})`,
    expression: [expression],
  };
}
