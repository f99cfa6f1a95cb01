/**
 * Server-enforced profiles: which StructureDefinitions every resource of a type must conform
 * to, whatever its meta.profile says. Read from KOLIBRI_ENFORCE_PROFILES:
 *   ``            (default) none: plain R4 resources are accepted
 *   `kolibri`     every Kolibri telemedicine profile, for its type (KOLIBRI_PROFILES)
 *   `Observation=https://…/kolibri-observation,Patient=https://…`   explicit pairs
 * and both combined (`kolibri,Device=https://…`). URLs are checked against the loaded
 * definitions when the validator is built; an unknown one stops start-up.
 */

const BASE = 'https://kolibri.dk/fhir/StructureDefinition/kolibri-';

/** The Kolibri profile of each telemedicine type (fhir-profiles/profile-*.json). */
export const KOLIBRI_PROFILES: Readonly<Record<string, string>> = Object.freeze(
  Object.fromEntries(
    ['Patient', 'Organization', 'CareTeam', 'Condition', 'EpisodeOfCare', 'CarePlan', 'ServiceRequest', 'Observation', 'Questionnaire', 'QuestionnaireResponse', 'Task', 'ClinicalImpression', 'Media', 'Appointment', 'Communication'].map(
      (type) => [type, `${BASE}${type.toLowerCase()}`],
    ),
  ),
);

export type EnforcedProfiles = Readonly<Record<string, readonly string[]>>;

/** Parse the setting; problems are returned for the config loader to report with the others. */
export function parseEnforcedProfiles(raw: string | undefined, problems: string[]): EnforcedProfiles {
  const out: Record<string, string[]> = {};
  const add = (type: string, url: string) => {
    const list = (out[type] ??= []);
    if (!list.includes(url)) list.push(url);
  };
  for (const part of (raw ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    if (part === 'kolibri') {
      for (const [type, url] of Object.entries(KOLIBRI_PROFILES)) add(type, url);
      continue;
    }
    const m = /^([A-Z][A-Za-z]+)=(\S+)$/.exec(part);
    if (!m) {
      problems.push(`KOLIBRI_ENFORCE_PROFILES: '${part}' is neither 'kolibri' nor Type=profile-url`);
      continue;
    }
    add(m[1], m[2]);
  }
  return Object.freeze(out);
}
