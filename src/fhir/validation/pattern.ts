/**
 * fixed[x] and pattern[x] comparison. https://hl7.org/fhir/R4/elementdefinition-definitions.html#ElementDefinition.fixed_x_
 * fixed: the value must be exactly equal (no additional elements). pattern: every element the
 * pattern has must be present with the same value (recursively); arrays in a pattern must each
 * have a matching item in the instance; other elements may be present.
 */

export function equalsFixed(value: unknown, fixed: unknown): boolean {
  if (value === fixed) return true;
  if (typeof value !== 'object' || typeof fixed !== 'object' || value === null || fixed === null) return false;
  if (Array.isArray(value) !== Array.isArray(fixed)) return false;
  if (Array.isArray(value)) {
    const f = fixed as unknown[];
    return value.length === f.length && value.every((v, i) => equalsFixed(v, f[i]));
  }
  const a = value as Record<string, unknown>;
  const b = fixed as Record<string, unknown>;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => k in b && equalsFixed(a[k], b[k]));
}

export function matchesPattern(value: unknown, pattern: unknown): boolean {
  if (value === pattern) return true;
  if (typeof pattern !== 'object' || pattern === null) return false;
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(pattern)) {
    const items = Array.isArray(value) ? value : [value];
    return pattern.every((p) => items.some((v) => matchesPattern(v, p)));
  }
  const v = value as Record<string, unknown>;
  for (const [k, p] of Object.entries(pattern as Record<string, unknown>)) {
    if (!(k in v) || !matchesPattern(v[k], p)) return false;
  }
  return true;
}

/** A short JSON rendering for messages. */
export function show(value: unknown): string {
  const s = JSON.stringify(value) ?? String(value);
  return s.length > 80 ? `${s.slice(0, 80)}…` : s;
}
