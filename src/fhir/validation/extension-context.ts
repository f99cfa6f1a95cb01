/**
 * Where an extension may be used: its StructureDefinition's `context`.
 * https://hl7.org/fhir/R4/extensibility.html#context and
 * https://hl7.org/fhir/R4/structuredefinition-definitions.html#StructureDefinition.context
 *
 * An `element` context names an element path (`Patient.birthDate`), a type (`date`,
 * `HumanName`) or `Element` (anywhere); an `extension` context names the URL of the extension
 * it may sit in. A `fhirpath` context is not evaluated here and allows every place, so that
 * nothing valid is refused.
 */

export interface ExtensionContext {
  readonly type?: string;
  readonly expression?: string;
}

/** Where an extension was found. */
export interface ExtensionHost {
  /** Paths the host element is known by: its instance path (`Patient.contact.name`), its definition path (`HumanName.family`). */
  readonly paths: readonly string[];
  /** The host's type code (`date`, `HumanName`, `Patient`). */
  readonly type: string;
  /** Whether the host is a resource (not an element). */
  readonly isResource: boolean;
  /** The URL of the extension the host is, when it is one. */
  readonly extensionUrl?: string;
}

/** Whether the contexts allow the host; true when no context is declared. */
export function contextAllows(contexts: readonly ExtensionContext[] | undefined, host: ExtensionHost): boolean {
  if (!contexts?.length) return true;
  return contexts.some((c) => allows(c, host));
}

function allows(c: ExtensionContext, host: ExtensionHost): boolean {
  const expression = c.expression;
  if (!expression) return true;
  switch (c.type) {
    case 'extension':
      return host.extensionUrl === expression;
    case 'element': {
      if (expression === 'Element' || expression === 'Base' || expression === '*') return true;
      if (host.isResource && (expression === 'Resource' || (expression === 'DomainResource' && host.type !== 'Bundle' && host.type !== 'Parameters' && host.type !== 'Binary'))) return true;
      if (expression === host.type) return true;
      return host.paths.some((p) => p === expression || p === withChoice(expression, p));
    }
    default:
      return true;
  }
}

/** `Observation.value[x]` names `Observation.valueQuantity` too. */
function withChoice(expression: string, path: string): string | undefined {
  if (!expression.endsWith('[x]')) return undefined;
  const stem = expression.slice(0, -3);
  return path.startsWith(stem) && /^[A-Z][A-Za-z]*$/.test(path.slice(stem.length)) ? path : undefined;
}

/** How the allowed contexts read in a message: `element Patient, element HumanName`. */
export function describeContexts(contexts: readonly ExtensionContext[]): string {
  return contexts.map((c) => `${c.type ?? 'element'} ${c.expression ?? ''}`.trim()).join(', ');
}
