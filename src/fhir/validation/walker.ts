import type { Issue, IssueCode } from '../issue';
import { clip } from './primitives';
import type { Field, RequiredElement, Shape } from './shape';

/**
 * Walks a parsed JSON resource against its Shape and collects issues, each located by a
 * FHIRPath expression built from the walk's path (`Patient.name[0].given[1]`).
 * The JSON rules are R4's: https://hl7.org/fhir/R4/json.html
 *
 * The walk allocates nothing on the success path but the Object.keys array of each object;
 * expressions and messages are built only when there is something to report.
 *
 * Profiles reuse this walk: ShapeCompiler.structure() compiles a profile snapshot
 * into shapes like the base ones, and the checks it adds per element (fixed[x], pattern[x],
 * binding, constraint, from `field.node.definition`) belong where `value()` has accepted the
 * value's type; per-object invariants belong after the required-element loop in `object()`.
 */

/** Looks up the shape of a nested resource (`contained[]`, `Bundle.entry.resource`, ...). */
export type ResourceShapeLookup = (resourceType: string) => Shape | undefined;

/** Deeper nesting than any real resource has; guards the stack against hostile bodies. */
const MAX_DEPTH = 200;
/** A broken bulk upload can produce thousands of issues; a developer needs the first ones. */
const MAX_ISSUES = 100;
/**
 * Text that looks like an HTML tag (`<b>`, `</script>`, `<img src=x onerror=…>`), as the reference
 * validator's security check finds it; `a < b` or `<3` is not one.
 */
const MARKUP = /<\/?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?\/?>/;
const INDEX_SEGMENTS = Array.from({ length: 256 }, (_, i) => `[${i}]`);

export class Walk {
  readonly issues: Issue[] = [];
  private readonly path: string[];
  private depth = 0;
  private stopped = false;

  /** @param root the first FHIRPath step, the resource type (`Observation`). */
  constructor(
    private readonly lookup: ResourceShapeLookup,
    root: string,
    /** The reference validator's security checks: markup in a string is an error ($validate only). */
    private readonly securityChecks = false,
  ) {
    this.path = [root];
  }

  /** Validate an object (a resource root or any element value) against a shape. */
  object(obj: Record<string, unknown>, shape: Shape): void {
    const keys = Object.keys(obj);
    if (keys.length === 0) {
      this.report('structure', `${this.expression()}: empty objects are not allowed; omit the element instead`);
      return;
    }
    for (let i = 0; i < keys.length && !this.stopped; i++) {
      const key = keys[i];
      const field = shape.fields.get(key);
      if (field === undefined) {
        if (key !== 'resourceType' || shape.resourceType === undefined) this.unknown(key, shape);
        continue;
      }
      this.path.push(field.segment);
      if (field.node.isChoice && i > 0) this.checkSingleChoice(keys, i, field, shape);
      this.property(obj, field, obj[key]);
      this.path.pop();
    }
    for (let i = 0; i < shape.required.length; i++) this.checkRequired(obj, shape.required[i]);
  }

  private property(obj: Record<string, unknown>, field: Field, value: unknown): void {
    if (value === null) {
      this.report('structure', `${this.expression()}: null is not allowed; omit the element instead`);
      return;
    }
    const node = field.node;
    if (!node.isArray) {
      if (Array.isArray(value)) {
        this.report('structure', `${this.expression()}: must be a single value, not an array (max cardinality 1)`);
      } else if (node.max === 0) {
        this.report('structure', `${this.expression()}: is not allowed here (max cardinality 0)`);
      } else {
        this.value(value, field);
      }
      return;
    }
    if (!Array.isArray(value)) {
      this.report('structure', `${this.expression()}: must be an array (max cardinality ${cardinality(node.max)})`);
      return;
    }
    if (value.length === 0) {
      this.report('structure', `${this.expression()}: empty arrays are not allowed; omit the element instead`);
      return;
    }
    if (value.length > node.max) {
      this.report('structure', `${this.expression()}: ${value.length} items, at most ${node.max} allowed`);
    }
    const other = field.counterpart === undefined ? undefined : obj[field.counterpart];
    if (field.isPartner && Array.isArray(other) && other.length !== value.length) {
      this.report(
        'structure',
        `${this.expression()}: '${field.key}' has ${value.length} items but '${field.counterpart}' has ${other.length}; they must line up`,
      );
    }
    for (let i = 0; i < value.length && !this.stopped; i++) {
      this.path.push(i < INDEX_SEGMENTS.length ? INDEX_SEGMENTS[i] : `[${i}]`);
      const item: unknown = value[i];
      if (item === null) this.nullItem(field, other, i);
      else this.value(item, field);
      this.path.pop();
    }
  }

  /**
   * Nulls are allowed only in primitive arrays, to keep `given` and `_given` aligned, and
   * each null must have a non-null partner. https://hl7.org/fhir/R4/json.html#primitive
   */
  private nullItem(field: Field, other: unknown, i: number): void {
    if (field.kind === 'primitive' && field.counterpart !== undefined) {
      if (Array.isArray(other) && other[i] != null) return;
      this.report('structure', `${this.expression()}: null needs an id or extension at '${field.counterpart}[${i}]'`);
    } else if (field.isPartner) {
      if (Array.isArray(other)) return; // a null on both sides is reported for the value array
      this.report('structure', `${this.expression()}: nulls in '${field.key}' only pair with values in '${field.counterpart}'`);
    } else {
      this.report('structure', `${this.expression()}: null is not allowed in an array of ${field.type}`);
    }
  }

  private value(value: unknown, field: Field): void {
    if (field.kind === 'primitive') {
      const primitive = field.primitive!;
      const actual = typeof value;
      if (actual !== primitive.json) {
        const code: IssueCode = actual === 'object' ? 'structure' : 'value';
        this.report(code, `${this.expression()}: expected a ${field.type} (${primitive.json}), got ${describe(value)}`);
        return;
      }
      const problem = primitive.check(value as string | number | boolean);
      if (problem === undefined) {
        if (this.securityChecks && field.type === 'string' && MARKUP.test(value as string)) {
          this.report('security', `${this.expression()}: The string value contains text that looks like embedded HTML tags, which are not allowed for security reasons in this context`);
        }
        return;
      }
      if (this.isLongContainedId(field, value)) {
        this.report('value', `${this.expression()}: contained resource id is ${(value as string).length} characters, more than the 64 an id allows`, this.expression(), 'warning');
      } else this.report('value', `${this.expression()}: ${problem}`);
      return;
    }
    if (typeof value !== 'object' || Array.isArray(value)) {
      this.report('structure', `${this.expression()}: expected an object (${field.type}), got ${describe(value)}`);
      return;
    }
    const obj = value as Record<string, unknown>;
    if (field.kind === 'complex') this.nested(obj, field.shape!);
    else this.resource(obj);
  }

  /** A resource inside a resource is validated as its own type. */
  private resource(obj: Record<string, unknown>): void {
    const type = obj.resourceType;
    if (typeof type !== 'string') {
      this.report('invalid', `${this.expression()}: a nested resource needs a resourceType`);
      return;
    }
    const shape = this.lookup(type);
    if (shape === undefined) {
      this.report('invalid', `${this.expression()}: unknown resource type '${clip(type)}'`);
      return;
    }
    this.nested(obj, shape);
  }

  private nested(obj: Record<string, unknown>, shape: Shape): void {
    if (this.depth >= MAX_DEPTH) {
      this.report('structure', `${this.expression()}: nested deeper than ${MAX_DEPTH} levels`);
      this.stopped = true;
      return;
    }
    this.depth++;
    this.object(obj, shape);
    this.depth--;
  }

  /** `value[x]` takes one type: `valueQuantity` and `valueString` together are an error. */
  private checkSingleChoice(keys: string[], i: number, field: Field, shape: Shape): void {
    for (let j = 0; j < i; j++) {
      const earlier = shape.fields.get(keys[j]);
      if (earlier !== undefined && earlier.node === field.node && earlier.type !== field.type) {
        this.report(
          'structure',
          `${this.expression()}: ${field.node.name}[x] takes only one type, but both '${keys[j]}' and '${keys[i]}' are present`,
        );
        return;
      }
    }
  }

  private checkRequired(obj: Record<string, unknown>, required: RequiredElement): void {
    let count = 0;
    for (const key of required.keys) {
      const value = obj[key];
      if (value === undefined || value === null) continue;
      count = Math.max(count, Array.isArray(value) ? value.length : 1);
    }
    if (count >= required.node.min) return;
    const name = required.node.isChoice ? `${required.node.name}[x]` : required.node.name;
    const expression = `${this.expression()}.${name}`;
    const detail = count === 0 ? 'is required but missing' : `has ${count} items, at least ${required.node.min} required`;
    this.report('required', `${expression}: ${detail} (minimum cardinality ${required.node.min})`, expression);
  }

  private unknown(key: string, shape: Shape): void {
    const expression = `${this.expression()}.${key}`;
    const where = this.expression();
    let message = `Unknown element '${clip(key)}' in ${where}`;
    const choice = [...shape.choices.values()].find((c) => key.startsWith(c.name) && /^[A-Z]/.test(key.slice(c.name.length)));
    if (choice) {
      const allowed = choice.types.map((t) => t.code).join(', ');
      message = `${where}.${choice.name}[x] does not allow type ${key.slice(choice.name.length)} (allowed: ${allowed})`;
    } else if (key === 'resourceType') {
      message = `${where}: resourceType is only allowed on resources`;
    } else if (key.startsWith('_') && shape.fields.has(key.slice(1))) {
      message = `Unknown element '${key}' in ${where}: only primitive elements have a '_' extension partner`;
    }
    this.report('structure', message, expression);
  }

  /**
   * A contained resource's id over 64 characters (otherwise a valid id): the reference validator
   * reports it as a warning by default, since a contained id is local to its container and never
   * appears in a URL. https://hl7.org/fhir/R4/references.html#contained
   */
  private isLongContainedId(field: Field, value: unknown): boolean {
    const n = this.path.length;
    return field.type === 'id' && field.key === 'id' && this.path[n - 3] === '.contained' && typeof value === 'string' && value.length > 64 && /^[A-Za-z0-9\-.]+$/.test(value);
  }

  private expression(): string {
    return this.path.join('');
  }

  private report(code: IssueCode, diagnostics: string, expression = this.expression(), severity: 'error' | 'warning' = 'error'): void {
    if (this.stopped) return;
    if (this.issues.length >= MAX_ISSUES) {
      this.issues.push({ severity: 'error', code: 'too-costly', diagnostics: `more than ${MAX_ISSUES} issues; stopped` });
      this.stopped = true;
      return;
    }
    this.issues.push({ severity, code, diagnostics, expression: [expression] });
  }
}

function cardinality(max: number): string {
  return max === Infinity ? '*' : String(max);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `string '${clip(value)}'`;
  return `${typeof value} ${String(value)}`;
}
