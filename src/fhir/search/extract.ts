import type { Resource, SearchParameter } from '@medplum/fhirtypes';
import type { DefinitionRegistry } from '../definitions/registry';
import { compilePath, expressionFor, splitUnion, type CompiledPath } from './expression';
import { emptyRows, type IndexRows } from './index-rows';
import { Facet, paramKey } from './param-key';
import { compileNativePath, rootNode, type NativePath } from './native-path';
import { presentMembers, rootMembers } from './presence';
import { COLUMN_PARAMS, compositeComponents } from './supported';
import { codeOrdinals } from './code-ordinal';
import { queueCodes, stampTimeline } from './timeline';
import { addDate, addNumber, addQuantity, addReference, addString, addToken, addUri, typedValue, type RowSink, type TypedValue } from './values';

/**
 * Write-time extraction of search-index values for every SearchParameter of a resource's type,
 * evaluated with fhirpath.js over the R4 model (https://hl7.org/fhir/R4/searchparameter.html).
 * Expressions are cut to the type and compiled once per (type, code), on first use. A parameter
 * whose expression can only read elements the resource lacks is skipped without evaluating it
 * (./presence.ts), and plain paths run on the JSON directly (./native-path.ts) instead of
 * through fhirpath.js, which stays the evaluator for everything else.
 */


type ValueType = 'string' | 'token' | 'reference' | 'date' | 'number' | 'quantity' | 'uri';
const ADDERS: Record<ValueType, (v: TypedValue, sink: RowSink) => void> = {
  string: addString,
  token: addToken,
  reference: addReference,
  date: addDate,
  number: addNumber,
  quantity: addQuantity,
  uri: addUri,
};

/** One SearchParameter ready to evaluate for one resource type. */
export interface PreparedParam {
  code: string;
  type: SearchParameter['type'];
  evaluate: CompiledPath;
  /** The top-level elements the expression reads (one must be present), or undefined: always evaluate. */
  members?: string[];
  /** This parameter's key for a facet (memoized paramKey). */
  key: (facet?: string) => number;
  /** reference: the one target type a bare-id reference (`"reference": "ijk"`) is read as */
  bareIdType?: string;
  /** composite: each component's value type and expression relative to the base nodes */
  components?: { type: ValueType; evaluate: CompiledPath; key: (facet?: string) => number }[];
}

export interface ExtractorOptions {
  /** Our own FHIR base URL: absolute references to it are indexed as local references. */
  baseUrl?: string;
  /** Evaluate every parameter with fhirpath.js, without the shortcuts of ./presence.ts and
   * ./native-path.ts (for checking that they change nothing). */
  exhaustive?: boolean;
}

export class IndexExtractor {
  private readonly prepared = new Map<string, PreparedParam[]>();
  private readonly ordinals = new Map<string, ReadonlyMap<string, number> | undefined>();
  private readonly compartmentKeysOf = new Map<string, ReadonlySet<number>>();

  constructor(
    private readonly registry: DefinitionRegistry,
    private readonly options: ExtractorOptions = {},
  ) {
    checkKeyCollisions(registry);
  }

  /**
   * Every index row of `resource`, including its Patient-compartment membership. `accessPatients`:
   * the patients stored with it whose access governs it (resource.access_patients), which mark
   * compartment rows `shared`.
   */
  extract(resource: Resource, accessPatients?: readonly string[] | null): IndexRows {
    const rows = emptyRows();
    const present = this.options.exhaustive ? undefined : presentMembers(resource);
    for (const p of this.parametersOf(resource.resourceType)) {
      if (present && p.members && !p.members.some((m) => present.has(m))) continue;
      const sink: RowSink = { rows, grp: 0, baseUrl: this.options.baseUrl, key: p.key, bareIdType: p.bareIdType };
      const nodes = safeEvaluate(p.evaluate, resource);
      if (p.components) {
        nodes.forEach((node, i) => this.addCompositeGroup(p, node, i + 1, sink));
      } else if (isValueType(p.type)) {
        for (const v of nodes) ADDERS[p.type](typedValue(v), sink);
      }
    }
    rows.compartment = this.compartmentsOf(resource, rows, accessPatients);
    stampTimeline(resource.resourceType, rows, this.rankOrdinals(resource.resourceType));
    return rows;
  }

  /**
   * One composite group (the components of one base node, sharing `grp`). A composite matches
   * only when every component matches in the same group, and composites take no `:missing`, so
   * a group lacking a component can never match: it is not written (for a home Observation that
   * skips code-value-concept, -date, -string and combo-code-value-concept: 4 of 17 rows).
   */
  private addCompositeGroup(p: PreparedParam, node: unknown, grp: number, sink: RowSink): void {
    const group = emptyRows();
    let written = 0;
    for (const c of p.components!) {
      const componentSink: RowSink = { ...sink, rows: group, grp, key: c.key };
      for (const v of safeEvaluate(c.evaluate, node)) ADDERS[c.type](typedValue(v), componentSink);
      const total = rowCount(group);
      if (total === written) return;
      written = total;
    }
    for (const table of Object.keys(group) as (keyof IndexRows)[]) (sink.rows[table] as unknown[]).push(...group[table]);
  }

  /**
   * The ids of the patients whose compartment `resource` is in, evaluating only the
   * CompartmentDefinition's parameters (cheaper than `extract` when that is all one needs, e.g.
   * for access checks).
   */
  patientCompartments(resource: Resource): string[] {
    const type = resource.resourceType;
    const keys = this.compartmentKeys(type);
    const rows = emptyRows();
    if (keys.size) {
      for (const p of this.parametersOf(type)) {
        if (!keys.has(p.key()) || p.type !== 'reference') continue;
        const sink: RowSink = { rows, grp: 0, baseUrl: this.options.baseUrl, key: p.key, bareIdType: p.bareIdType };
        for (const v of safeEvaluate(p.evaluate, resource)) ADDERS.reference(typedValue(v), sink);
      }
    }
    return (this.compartmentsOf(resource, rows) ?? []).map((c) => c.id);
  }

  /** The ordinals of a queue type's rank codes (what `_sort` on its rank parameter orders by), looked up once. */
  private rankOrdinals(resourceType: string): ReadonlyMap<string, number> | undefined {
    const codes = queueCodes(resourceType);
    if (!codes) return undefined;
    if (!this.ordinals.has(resourceType)) {
      const sp = this.registry.searchParameter(resourceType, codes.rank);
      this.ordinals.set(resourceType, sp ? codeOrdinals(this.registry, [resourceType], sp) : undefined);
    }
    return this.ordinals.get(resourceType);
  }

  /** The parameters indexed for a type (compiled on first use). */
  parametersOf(resourceType: string): PreparedParam[] {
    let list = this.prepared.get(resourceType);
    if (!list) {
      list = [];
      for (const sp of this.registry.searchParameters(resourceType)) {
        const p = this.prepare(sp, resourceType);
        if (p) list.push(p);
      }
      this.prepared.set(resourceType, list);
    }
    return list;
  }

  private prepare(sp: SearchParameter, resourceType: string): PreparedParam | undefined {
    const code = sp.code as string;
    if (COLUMN_PARAMS.has(code) || !sp.expression) return undefined;
    const expression = expressionFor(sp.expression, resourceType);
    if (!expression) return undefined;
    const common = { code, members: rootMembers(splitUnion(expression), resourceType), key: memoizedKey(resourceType, code) };
    const roots = [resourceType, 'Resource', 'DomainResource'];
    const native = this.options.exhaustive ? undefined : compileNativePath(expression, roots);
    if (sp.type === 'composite') {
      const parts = compositeComponents(sp, this.registry).map((c) => {
        if (!isValueType(c.type) || !c.expression) return undefined;
        return { type: c.type, expression: c.expression, native: native && compileNativePath(c.expression, []) };
      });
      if (parts.length === 0 || parts.some((c) => !c)) return undefined;
      const allNative = native && parts.every((c) => c!.native);
      const components = parts.map((c, ci) => ({
        type: c!.type,
        evaluate: allNative ? (c!.native as CompiledPath) : compilePath(c!.expression),
        key: componentKey(common.key, ci),
      }));
      return { ...common, type: sp.type, evaluate: allNative ? fromRoot(native) : compilePath(expression), components };
    }
    if (!isValueType(sp.type)) return undefined;
    const bareIdType = sp.type === 'reference' && sp.target?.length === 1 ? sp.target[0] : undefined;
    return { ...common, type: sp.type, evaluate: native ? fromRoot(native) : compilePath(expression), ...(bareIdType ? { bareIdType } : {}) };
  }

  /** The param keys of a type's Patient-compartment parameters, looked up once per type. */
  private compartmentKeys(resourceType: string): ReadonlySet<number> {
    let keys = this.compartmentKeysOf.get(resourceType);
    if (!keys) {
      keys = new Set(this.registry.compartmentParams('Patient', resourceType).map((code) => paramKey(resourceType, code)));
      this.compartmentKeysOf.set(resourceType, keys);
    }
    return keys;
  }

  /** https://hl7.org/fhir/R4/compartmentdefinition-patient.html; a Patient is in its own compartment. */
  private compartmentsOf(resource: Resource, rows: IndexRows, accessPatients?: readonly string[] | null): IndexRows['compartment'] {
    const ids = new Set<string>();
    if (resource.resourceType === 'Patient' && resource.id) ids.add(resource.id);
    const keys = this.compartmentKeys(resource.resourceType);
    for (const r of rows.reference) {
      if (keys.has(r.param) && r.targetType === 'Patient' && r.targetId) ids.add(r.targetId);
    }
    const several = ids.size > 1;
    return [...ids].map((id) => ({ type: 'Patient', id, shared: several || (accessPatients?.some((p) => p !== id) ?? false) }));
  }

}

/** A native path over a resource (starting from the node fhirpath.js would make for it). */
function fromRoot(native: NativePath): CompiledPath {
  return (input) => native(rootNode(input as { resourceType: string }));
}

/** The key function of composite component `ci` (made once per parameter, not per value). */
function componentKey(key: (facet?: string) => number, ci: number): (facet?: string) => number {
  const prefix = Facet.component(ci);
  return (facet = '') => key(prefix + facet);
}

/** paramKey(type, code, facet), hashed once per facet. */
function memoizedKey(resourceType: string, code: string): (facet?: string) => number {
  const keys = new Map<string, number>();
  return (facet = '') => {
    let key = keys.get(facet);
    if (key === undefined) keys.set(facet, (key = paramKey(resourceType, code, facet)));
    return key;
  };
}

function rowCount(rows: IndexRows): number {
  let n = 0;
  for (const table of Object.values(rows)) n += (table as unknown[]).length;
  return n;
}

function isValueType(type: string | undefined): type is ValueType {
  return type !== undefined && type in ADDERS;
}

/** A value the model cannot evaluate (e.g. malformed data under a custom expression) indexes nothing rather than failing the write. */
function safeEvaluate(fn: CompiledPath, input: unknown): unknown[] {
  try {
    return fn(input);
  } catch {
    return [];
  }
}

const FACETS = ['', Facet.text, Facet.identifier, Facet.ofType, Facet.component(0), Facet.component(1), Facet.component(2)];

/** Registries already checked (a registry's parameters never change; services build several extractors). */
const checked = new WeakSet<DefinitionRegistry>();

/** Param keys are 32-bit hashes; refuse to start if two different names collide. */
function checkKeyCollisions(registry: DefinitionRegistry): void {
  if (checked.has(registry)) return;
  const seen = new Map<number, string>();
  for (const type of registry.resourceTypes()) {
    for (const sp of registry.searchParameters(type)) {
      for (const facet of FACETS) {
        const name = `${type}.${sp.code}${facet}`;
        const key = paramKey(type, sp.code as string, facet);
        const other = seen.get(key);
        if (other !== undefined && other !== name) throw new Error(`search parameter key collision: ${name} and ${other}`);
        seen.set(key, name);
      }
    }
  }
  checked.add(registry);
}
