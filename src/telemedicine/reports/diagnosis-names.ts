import type { ValueSet } from '@medplum/fhirtypes';

/**
 * The reports' names for diagnosis groups, from the patient groups' content: the codes of
 * ValueSet/diagnoses (the union of every group's diagnoses ValueSet, ext-included-in) by the key
 * the reports group on — the first four characters of the SKS code — named after the shortest
 * code with that key ("Præeklampsi (DO14)"). COPD and heart failure keep their short names.
 */

const DIAGNOSES_VALUESET = 'https://kolibri.dk/fhir/ValueSet/diagnoses';
const SKS = 'urn:oid:1.2.208.176.2.4';
const SHORT_NAMES: Record<string, string> = { DJ44: 'KOL (DJ44)', DI50: 'Hjertesvigt (DI50)' };

export type DiagnosisNames = Readonly<Record<string, string>>;

export function diagnosisNames(registry: { valueSet(url: string): ValueSet | undefined }): DiagnosisNames {
  const best = new Map<string, { code: string; display: string }>();
  const seen = new Set<string>();
  const walk = (url: string) => {
    const vs = registry.valueSet(url.split('|')[0]);
    if (!vs || seen.has(vs.url as string)) return;
    seen.add(vs.url as string);
    for (const include of vs.compose?.include ?? []) {
      include.valueSet?.forEach(walk);
      if (include.system !== SKS) continue;
      for (const c of include.concept ?? []) {
        const key = c.code.slice(0, 4);
        const known = best.get(key);
        if (c.display && (!known || c.code.length < known.code.length)) best.set(key, { code: c.code, display: c.display });
      }
    }
  };
  walk(DIAGNOSES_VALUESET);
  return { ...Object.fromEntries([...best].map(([key, c]) => [key, `${c.display} (${key})`])), ...SHORT_NAMES };
}
