import type { Issue } from '../issue';
import type { ValueSetExpander } from '../terminology/expand';
import { checkBinding } from './bindings';
import { contextAllows, describeContexts, type ExtensionContext, type ExtensionHost } from './extension-context';
import type { Invariant, InvariantCompiler, InvariantEnv } from './invariants';
import { equalsFixed, matchesPattern, show } from './pattern';
import type { ElementNode, ElementTree } from '../definitions/element-tree';
import { checkTargetType, referencedType, targetTypes, type TargetTypes } from './references';
import { assignSlices } from './slicing';

/**
 * The conformance walk: checks a structurally valid resource against a compiled
 * StructureDefinition (a base type or a profile): cardinality a profile narrowed, choice types
 * a profile removed, fixed[x] / pattern[x], bindings, maxLength, slicing, invariants,
 * extensions by their definitions, reference target types, nested resources.
 * It runs after the base walk (walker.ts) has found no errors, so JSON shapes are trusted.
 */

export interface ConformanceContext {
  tree(urlOrType: string): ElementTree | undefined;
  isPrimitive(code: string): boolean;
  isResourceType(code: string): boolean;
  typeOfProfile(url: string): string | undefined;
  readonly expander: ValueSetExpander;
  readonly invariants: InvariantCompiler;
  /** The `context` of an extension's definition, by URL; undefined when the extension is unknown. */
  extensionContexts(url: string): readonly ExtensionContext[] | undefined;
  /**
   * Validate a nested resource (contained, Bundle entry, Parameters.parameter.resource) with the
   * trees that apply to it; `contained` says whether it lives in its container's `contained`.
   */
  nestedResource(walk: ConformanceWalk, resource: Record<string, unknown>, expression: string, contained: boolean): void;
}

const NON_DATATYPES = new Set(['BackboneElement', 'Element', 'Resource']);
const UNDERSCORE = 95;
const invariantCache = new WeakMap<ElementNode, Map<string, Invariant[]>>();
const targetCache = new WeakMap<ElementNode, TargetTypes>();

export class ConformanceWalk {
  private env: InvariantEnv;
  /** The resource being walked: its type and the expression it starts at (for instance paths). */
  private current: { type: string; expression: string };

  constructor(
    private readonly ctx: ConformanceContext,
    readonly issues: Issue[],
    rootResource: Record<string, unknown>,
    /** $validate's extra checks (extension contexts), beyond what a write enforces. */
    private readonly extended = false,
  ) {
    this.env = { resource: rootResource, rootResource };
    this.current = { type: String(rootResource.resourceType), expression: String(rootResource.resourceType) };
  }

  /**
   * Check a resource (the root, or a nested one) against one tree. A contained resource keeps its
   * container as %rootResource; any other nested resource (a Bundle entry, a Parameters
   * parameter) is a root of its own, so `#id` references inside it resolve against its own
   * `contained`. https://hl7.org/fhir/R4/fhirpath.html#variables
   */
  resource(obj: Record<string, unknown>, tree: ElementTree, expression: string, contained = false): void {
    const saved = this.env;
    const savedCurrent = this.current;
    this.env = { resource: obj, rootResource: contained ? saved.rootResource : obj };
    this.current = { type: tree.type, expression };
    this.object(obj, tree.root, tree.type, expression);
    this.env = saved;
    this.current = savedCurrent;
  }

  /** Check a datatype value against a tree's root (e.g. a value conforming to an extension profile). */
  value(value: unknown, tree: ElementTree, expression: string): void {
    this.item(value, tree.root, tree.type, expression);
  }

  private object(obj: Record<string, unknown>, el: ElementNode, type: string, expression: string): void {
    const container = el.children.length ? el : this.typeRoot(el, type);
    const keys = Object.keys(obj);
    for (const inv of this.invariantsOf(el, type, container)) {
      const ok = inv.check(obj, keys, this.env);
      if (ok === false) {
        this.report(inv.severity, 'invariant', expression, `${expression}: constraint ${inv.key} failed: ${inv.human} (${inv.expression})`);
      }
    }
    if (!container) return;
    for (const child of container.children) {
      if (child.checkCardinality) this.cardinality(obj, child, container, expression);
    }
    for (const key of keys) {
      const entry = container.byKey.get(key);
      if (entry === undefined) {
        if (key.charCodeAt(0) === UNDERSCORE) this.primitiveExtensions(obj[key], container.byKey.get(key.slice(1)), `${expression}.${key}`);
        else this.removedChoice(key, container, expression);
        continue;
      }
      const value = obj[key];
      // FHIRPath steps are JSON names, as in the base walk: `Observation.valueQuantity.code`
      const name = `${expression}.${key}`;
      if (this.extended && (key === 'extension' || key === 'modifierExtension') && Array.isArray(value)) {
        this.extensionContexts(value, name, () => this.host(obj, el, type, expression));
      }
      if (Array.isArray(value)) this.items(value, entry.el, entry.type, name);
      else this.item(value, entry.el, entry.type, name);
    }
  }

  private items(items: unknown[], el: ElementNode, type: string, expression: string): void {
    const assigned = el.slicing && el.slices.length ? assignSlices(items, el, this.sliceEnv, expression, this.issues) : undefined;
    for (let i = 0; i < items.length; i++) {
      const s = assigned ? assigned[i] : -1;
      this.item(items[i], s >= 0 ? el.slices[s] : el, type, `${expression}[${i}]`);
    }
  }

  private item(value: unknown, el: ElementNode, type: string, expression: string): void {
    if (value === null || value === undefined) return;
    if (el.fixed && !equalsFixed(value, el.fixed.value)) {
      this.report('error', 'value', expression, `${expression}: must be exactly ${show(el.fixed.value)} (fixed value), got ${show(value)}`);
    }
    if (el.pattern && !matchesPattern(value, el.pattern.value)) {
      this.report('error', 'value', expression, `${expression}: must match the pattern ${show(el.pattern.value)}, got ${show(value)}`);
    }
    if (el.binding) {
      const issue = checkBinding(value, type, el.binding, this.ctx.expander, expression);
      if (issue) this.issues.push(issue);
    }
    if (typeof value !== 'object') {
      if (el.maxLength !== undefined && typeof value === 'string' && value.length > el.maxLength) {
        this.report('error', 'too-long', expression, `${expression}: ${value.length} characters, at most ${el.maxLength} allowed`);
      }
      return;
    }
    const obj = value as Record<string, unknown>;
    if (type === 'Resource' || this.ctx.isResourceType(type)) {
      this.ctx.nestedResource(this, obj, expression, el.name === 'contained');
      return;
    }
    if (type === 'Reference') this.reference(obj, el, expression);
    else if (type === 'Attachment') this.attachmentSize(obj, expression);
    if (type === 'Extension' && !el.children.length && !el.types[0]?.profile.length && typeof obj.url === 'string') {
      // an extension is checked against its definition, found by URL
      const def = this.ctx.tree(obj.url);
      if (def && def.type === 'Extension') {
        this.object(obj, def.root, 'Extension', expression);
        return;
      }
    }
    this.object(obj, el, type, expression);
  }

  /**
   * Attachment.size is "the number of bytes of data that make up this content (before base64
   * encoding)": with `data` at hand, it must be the decoded length.
   * https://hl7.org/fhir/R4/datatypes-definitions.html#Attachment.size
   */
  private attachmentSize(obj: Record<string, unknown>, expression: string): void {
    if (typeof obj.size !== 'number' || typeof obj.data !== 'string') return;
    const actual = decodedLength(obj.data);
    if (actual !== obj.size) {
      const at = `${expression}.size`;
      this.report('error', 'value', at, `${at}: Stated Attachment Size ${obj.size} does not match actual attachment size ${actual}`);
    }
  }

  /**
   * The id and extensions of a primitive (`_birthDate`, `_given[1]`): each extension is checked
   * against its definition and its context, with the primitive element as the host.
   */
  private primitiveExtensions(partner: unknown, entry: { el: ElementNode; type: string } | undefined, expression: string): void {
    if (!entry || partner === null || typeof partner !== 'object') return;
    const extensionEl = this.ctx.tree('Element')?.root.byKey.get('extension')?.el;
    const items = Array.isArray(partner) ? partner : [partner];
    for (let i = 0; i < items.length; i++) {
      const item = items[i] as Record<string, unknown> | null;
      const list = item?.extension;
      if (!Array.isArray(list)) continue;
      const at = `${Array.isArray(partner) ? `${expression}[${i}]` : expression}.extension`;
      const valueExpression = at.slice(0, at.lastIndexOf('.')).replace(/\._([^.]*)$/, '.$1');
      if (this.extended) this.extensionContexts(list, at, () => ({ paths: this.paths(entry.el, valueExpression), type: entry.type, isResource: false }));
      if (extensionEl) this.items(list, extensionEl, 'Extension', at);
    }
  }

  /**
   * Each extension's definition must allow the place it is used in. A $validate check only: R4's
   * own published definitions use extensions outside their declared contexts
   * (structuredefinition-fhir-type on ElementDefinition.type, normative-version on ValueSet), so
   * a write that enforced it would refuse HL7's own resources.
   */
  private extensionContexts(list: unknown[], expression: string, host: () => ExtensionHost): void {
    let known: ExtensionHost | undefined;
    for (let i = 0; i < list.length; i++) {
      const url = (list[i] as { url?: unknown } | null)?.url;
      if (typeof url !== 'string') continue;
      const contexts = this.ctx.extensionContexts(url);
      if (!contexts?.length) continue;
      known ??= host();
      if (contextAllows(contexts, known)) continue;
      const at = `${expression}[${i}]`;
      this.report('error', 'structure', at, `${at}: The extension ${url} is not allowed to be used at this point (allowed = ${describeContexts(contexts)}; this element is ${known.paths[0]})`);
    }
  }

  private host(obj: Record<string, unknown>, el: ElementNode, type: string, expression: string): ExtensionHost {
    const isResource = this.ctx.isResourceType(type);
    return {
      paths: isResource ? [type] : this.paths(el, expression),
      type,
      isResource,
      extensionUrl: type === 'Extension' && typeof obj.url === 'string' ? obj.url : undefined,
    };
  }

  /** The instance path of an expression (`Patient.contact.name`, no indexes) and the element's definition paths. */
  private paths(el: ElementNode, expression: string): string[] {
    const logical = this.current.type + expression.slice(this.current.expression.length).replace(/\[\d+\]/g, '').replace(/\._/g, '.');
    const out = [logical, el.path];
    const base = el.definition.base?.path;
    if (base && !out.includes(base)) out.push(base);
    return out;
  }

  private reference(ref: Record<string, unknown>, el: ElementNode, expression: string): void {
    let targets = targetCache.get(el);
    if (!targets) {
      const t = el.types.find((x) => x.code === 'Reference');
      targets = t ? targetTypes(t, (url) => this.ctx.typeOfProfile(url)) : { types: undefined, profiles: [], plain: new Set() };
      targetCache.set(el, targets);
    }
    if (!targets.types) return;
    let type = referencedType(ref);
    let contained: Record<string, unknown> | undefined;
    if (type === '#') {
      const id = (ref.reference as string).slice(1);
      // inside a contained resource, `#id` still names a sibling in the container's `contained`
      const list = (this.env.rootResource as { contained?: Record<string, unknown>[] }).contained ?? [];
      contained = list.find((r) => r && r.id === id);
      type = typeof contained?.resourceType === 'string' ? contained.resourceType : undefined;
    }
    if (type === undefined) return;
    const issue = checkTargetType(type, targets, `${expression}`);
    if (issue) {
      this.issues.push(issue);
      return;
    }
    // only a contained target can be checked against a target profile without the database
    const profiles = targets.profiles.filter((p) => this.ctx.typeOfProfile(p) === type);
    if (contained && profiles.length && !targets.plain.has(type) && !profiles.some((p) => this.sliceEnv.conforms(contained, p))) {
      this.report('error', 'structure', expression, `${expression}: the contained ${type} does not conform to ${profiles.join(' or ')}`);
    }
  }

  private cardinality(obj: Record<string, unknown>, child: ElementNode, container: ElementNode, expression: string): void {
    let count = 0;
    for (const [key, entry] of container.byKey) {
      if (entry.el !== child) continue;
      // a primitive given only by its `_key` partner (id/extensions, no value) is present too
      const v = obj[key] ?? obj[`_${key}`];
      if (v !== undefined && v !== null) count += Array.isArray(v) ? v.length : 1;
    }
    const name = `${expression}.${child.isChoice ? `${child.name}[x]` : child.name}`;
    if (count < child.min) {
      this.report('error', 'required', name, `${name}: ${count === 0 ? 'is required but missing' : `has ${count} items`} (minimum cardinality ${child.min} in this profile)`);
    } else if (count > child.max) {
      const detail = child.max === 0 ? 'is not allowed in this profile (maximum cardinality 0)' : `${count} items, at most ${child.max} allowed in this profile`;
      this.report('error', 'structure', name, `${name}: ${detail}`);
    }
  }

  /** `valueString` where the profile narrowed `value[x]` to Quantity. */
  private removedChoice(key: string, container: ElementNode, expression: string): void {
    const choice = container.children.find((c) => c.isChoice && key.startsWith(c.name) && /^[A-Z]/.test(key.charAt(c.name.length)));
    if (!choice) return;
    const allowed = choice.types.map((t) => t.code).join(', ');
    const expr = `${expression}.${key}`;
    this.report('error', 'structure', expr, `${expr}: this profile allows ${choice.name}[x] only as ${allowed}`);
  }

  private typeRoot(el: ElementNode, type: string): ElementNode | undefined {
    if (this.ctx.isPrimitive(type)) return undefined;
    const profile = el.types.find((t) => t.code === type)?.profile[0];
    return ((profile && this.ctx.tree(profile)) || this.ctx.tree(type))?.root;
  }

  private invariantsOf(el: ElementNode, type: string, container: ElementNode | undefined): Invariant[] {
    let byType = invariantCache.get(el);
    if (!byType) invariantCache.set(el, (byType = new Map()));
    let list = byType.get(type);
    if (!list) {
      const datatype = !NON_DATATYPES.has(type) && !this.ctx.isResourceType(type) && !this.ctx.isPrimitive(type);
      const base = datatype ? type : (el.definition.base?.path ?? el.path).replace(/\[x\]$/, '');
      list = this.ctx.invariants.forElement(el.definition, base);
      if (container && container !== el) {
        const keys = new Set(list.map((i) => i.key));
        list = [...list, ...this.ctx.invariants.forElement(container.definition, type).filter((i) => !keys.has(i.key))];
      }
      byType.set(type, list);
    }
    return list;
  }

  private readonly sliceEnv = {
    tree: (urlOrType: string) => this.ctx.tree(urlOrType),
    conforms: (value: unknown, url: string): boolean => {
      const tree = this.ctx.tree(url);
      if (!tree || value === null || typeof value !== 'object') return false;
      const probe = new ConformanceWalk(this.ctx, [], this.env.rootResource as Record<string, unknown>);
      if (tree.kind === 'resource') probe.resource(value as Record<string, unknown>, tree, tree.type);
      else probe.value(value, tree, tree.type);
      return !probe.issues.some((i) => i.severity === 'error');
    },
  };

  private report(severity: Issue['severity'], code: Issue['code'], expression: string, diagnostics: string): void {
    this.issues.push({ severity, code, diagnostics, expression: [expression] });
  }
}

/** The number of bytes a (valid) base64 string decodes to. */
function decodedLength(base64: string): number {
  let chars = 0;
  let padding = 0;
  for (let i = 0; i < base64.length; i++) {
    const c = base64.charCodeAt(i);
    if (c === 61 /* = */) padding++;
    else if (c > 32) chars++;
  }
  return Math.floor(((chars + padding) * 3) / 4) - padding;
}
