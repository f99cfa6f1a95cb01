import type { DefinitionRegistry } from '../definitions/registry';
import type { Issue } from '../issue';
import { clip, compilePrimitiveTypes } from './primitives';
import { ShapeCompiler, type Shape } from './shape';
import { Walk } from './walker';

/**
 * Base R4 validation of a resource body: a well-formed resource of a known type, every
 * element known, primitives in their formats, base cardinalities and choice types, JSON
 * rules, nested resources as their own type. Profiles (issue 4) compile into the same Shapes
 * (ShapeCompiler.structure accepts any snapshot) and are walked the same way.
 * https://hl7.org/fhir/R4/validation.html
 */

export interface ValidateOptions {
  /** When given, `resourceType` must equal it (the type in the URL). */
  type?: string;
}

export interface ResourceValidator {
  /** Issues found, errors first to last in document order; empty when the resource is valid. */
  validate(resource: unknown, options?: ValidateOptions): Issue[];
}

/**
 * Build a validator over the registry's R4 definitions. Primitive checks are compiled here;
 * each resource type's shape is compiled on its first use and then reused.
 */
export function createValidator(registry: DefinitionRegistry): ResourceValidator {
  const compiler = new ShapeCompiler(registry, compilePrimitiveTypes(registry));
  const shapes = new Map<string, Shape>();
  const resourceShape = (type: string): Shape | undefined => {
    let shape = shapes.get(type);
    if (shape === undefined && registry.isResourceType(type)) {
      shape = compiler.type(type);
      if (shape) shapes.set(type, shape);
    }
    return shape;
  };

  return {
    validate(resource: unknown, options: ValidateOptions = {}): Issue[] {
      if (typeof resource !== 'object' || resource === null || Array.isArray(resource)) {
        return [invalid(`A resource must be a JSON object`, options.type ?? 'Resource')];
      }
      const obj = resource as Record<string, unknown>;
      const type = obj.resourceType;
      if (typeof type !== 'string') {
        return [invalid(`The resource has no resourceType`, options.type ?? 'Resource')];
      }
      if (options.type !== undefined && type !== options.type) {
        return [invalid(`resourceType '${clip(type)}' does not match the expected type '${options.type}'`, clip(type))];
      }
      const shape = resourceShape(type);
      if (shape === undefined) return [invalid(`Unknown resource type '${clip(type)}'`, clip(type))];
      const walk = new Walk(resourceShape, type);
      walk.object(obj, shape);
      return walk.issues;
    },
  };
}

function invalid(diagnostics: string, expression: string): Issue {
  return { severity: 'error', code: 'invalid', diagnostics, expression: [expression] };
}
