import type { DefinitionRegistry } from '../definitions/registry';
import { hasErrors, type Issue } from '../issue';
import { ValueSetExpander } from '../terminology/expand';
import { bundleConsistency } from './bundle-consistency';
import { ConformanceWalk, type ConformanceContext } from './conformance-walk';
import { enableWhenIssues } from './enable-when';
import type { ExtensionContext } from './extension-context';
import { InvariantCompiler } from './invariants';
import { clip, compilePrimitiveTypes } from './primitives';
import { parseElementTree, type ElementTree } from '../definitions/element-tree';
import { ShapeCompiler, type Shape } from './shape';
import { Walk } from './walker';

/**
 * Validation of a resource body in two passes. https://hl7.org/fhir/R4/validation.html
 * 1. The base walk (walker.ts): a well-formed resource of a known type, every element known,
 *    primitives in their formats, base cardinalities and choice types, JSON rules.
 * 2. When that found no errors, the conformance walk (conformance-walk.ts) against every
 *    StructureDefinition that applies: each URL in meta.profile (an unknown one is a warning
 *    that it was not checked, or an error when `unknownProfiles` says so),
 *    the server-enforced profiles for the type and any requested by the caller ($validate's
 *    `profile`); with none of those, the base type itself (its bindings and invariants).
 *    Nested resources (contained, Bundle entries) get the same treatment.
 * Every StructureDefinition is compiled once, on first use.
 */

export interface ValidateOptions {
  /** When given, `resourceType` must equal it (the type in the URL). */
  type?: string;
  /** Profiles the resource must also conform to (e.g. $validate's `profile` parameter). */
  profiles?: readonly string[];
  /**
   * `$validate`'s checks beyond those a write enforces, as the HL7 reference validator makes
   * them: extensions outside their definition's context, markup in strings (its security checks).
   */
  extended?: boolean;
}

export interface ValidatorOptions {
  /** Profiles every resource of a type must conform to (server-enforced), by type. */
  enforcedProfiles?: Readonly<Record<string, readonly string[]>>;
  /**
   * What an unknown `meta.profile` URL is (KOLIBRI_UNKNOWN_PROFILES): `warning` (default) — the
   * profile is not checked, as the reference validator does with profiles it cannot resolve, so
   * resources that merely carry other systems' profiles are accepted — or `error`.
   */
  unknownProfiles?: UnknownProfiles;
}

export type UnknownProfiles = 'warning' | 'error';

export interface ResourceValidator {
  /** Issues found, errors before warnings, each in document order; empty when the resource is valid. */
  validate(resource: unknown, options?: ValidateOptions): Issue[];
  /** The ValueSet expansions the validator uses (cached), for checks outside it (QuestionnaireResponse answers). */
  readonly terminology: ValueSetExpander;
}

/** Build a validator over the registry's definitions. Throws when an enforced profile is unknown. */
export function createValidator(registry: DefinitionRegistry, options: ValidatorOptions = {}): ResourceValidator {
  const primitives = compilePrimitiveTypes(registry);
  const compiler = new ShapeCompiler(registry, primitives);
  const shapes = new Map<string, Shape>();
  const resourceShape = (type: string): Shape | undefined => {
    let shape = shapes.get(type);
    if (shape === undefined && registry.isResourceType(type)) {
      shape = compiler.type(type);
      if (shape) shapes.set(type, shape);
    }
    return shape;
  };
  const trees = new Map<string, ElementTree | null>();
  const tree = (urlOrType: string): ElementTree | undefined => {
    let t = trees.get(urlOrType);
    if (t === undefined) {
      const sd = registry.structureDefinition(urlOrType);
      t = sd?.snapshot?.element?.length ? parseElementTree(sd) : null;
      trees.set(urlOrType, t);
    }
    return t ?? undefined;
  };
  const enforced = options.enforcedProfiles ?? {};
  const unknownProfiles = options.unknownProfiles ?? 'warning';
  for (const [type, urls] of Object.entries(enforced)) {
    for (const url of urls) {
      const t = tree(url);
      if (!t) throw new Error(`enforced profile ${url} for ${type} is not a known StructureDefinition`);
      if (t.type !== type) throw new Error(`enforced profile ${url} constrains ${t.type}, not ${type}`);
    }
  }

  /** The trees a resource must conform to, plus issues for profiles that cannot apply. */
  const treesFor = (obj: Record<string, unknown>, type: string, expression: string, extra: readonly string[], issues: Issue[]): ElementTree[] => {
    const out: ElementTree[] = [];
    const add = (url: string, at: string, claimed = false) => {
      const t = tree(url);
      if (!t && claimed && unknownProfiles === 'warning') issues.push(warning('not-supported', at, `${at}: profile '${clip(url)}' is not known to this server and was not checked`));
      else if (!t) issues.push(error('not-supported', at, `${at}: profile '${clip(url)}' is not known to this server`));
      else if (t.kind !== 'resource' || t.type !== type) issues.push(error('invalid', at, `${at}: profile ${url} is for ${t.type}, not ${type}`));
      else if (!out.includes(t)) out.push(t);
    };
    const meta = obj.meta as { profile?: unknown[] } | undefined;
    (meta?.profile ?? []).forEach((url, i) => typeof url === 'string' && add(url, `${expression}.meta.profile[${i}]`, true));
    for (const url of enforced[type] ?? []) add(url, expression);
    for (const url of extra) add(url, expression);
    if (out.length === 0) {
      const base = tree(type);
      if (base) out.push(base);
    }
    return out;
  };

  const contexts = new Map<string, readonly ExtensionContext[] | undefined>();
  const extensionContexts = (url: string): readonly ExtensionContext[] | undefined => {
    if (contexts.has(url)) return contexts.get(url);
    const sd = registry.structureDefinition(url);
    const found = sd?.type === 'Extension' ? (sd.context as ExtensionContext[] | undefined) : undefined;
    if (contexts.size < 4096) contexts.set(url, found);
    return found;
  };
  const terminology = new ValueSetExpander(registry);
  const ctx: ConformanceContext = {
    tree,
    isPrimitive: (code) => primitives.has(code),
    isResourceType: (code) => registry.isResourceType(code),
    typeOfProfile: (url) => registry.structureDefinition(url)?.type,
    expander: terminology,
    invariants: new InvariantCompiler(),
    extensionContexts,
    nestedResource(walk, obj, expression, contained) {
      const type = obj.resourceType as string;
      for (const t of treesFor(obj, type, expression, [], walk.issues)) walk.resource(obj, t, expression, contained);
    },
  };

  return {
    terminology,
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
      const walk = new Walk(resourceShape, type, options.extended);
      walk.object(obj, shape);
      if (hasErrors(walk.issues)) return ordered(walk.issues);

      const issues: Issue[] = walk.issues;
      const applicable = treesFor(obj, type, type, options.profiles ?? [], issues);
      const conformance = new ConformanceWalk(ctx, issues, obj, options.extended);
      for (const t of applicable) conformance.resource(obj, t, type);
      if (type === 'Questionnaire') issues.push(...enableWhenIssues(obj));
      if (options.extended && type === 'Bundle') issues.push(...bundleConsistency(obj));
      return ordered(issues.length > 1 ? unique(issues) : issues);
    },
  };
}

/** Several profiles repeat the base's checks: report each finding once. */
function unique(issues: Issue[]): Issue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.severity}|${i.expression?.[0]}|${i.diagnostics}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function rank(i: Issue): number {
  return i.severity === 'fatal' || i.severity === 'error' ? 0 : i.severity === 'warning' ? 1 : 2;
}

function ordered(issues: Issue[]): Issue[] {
  return issues.length < 2 ? issues : [...issues].sort((a, b) => rank(a) - rank(b));
}

function invalid(diagnostics: string, expression: string): Issue {
  return error('invalid', expression, diagnostics);
}

function error(code: Issue['code'], expression: string, diagnostics: string): Issue {
  return { severity: 'error', code, diagnostics, expression: [expression] };
}

function warning(code: Issue['code'], expression: string, diagnostics: string): Issue {
  return { severity: 'warning', code, diagnostics, expression: [expression] };
}
