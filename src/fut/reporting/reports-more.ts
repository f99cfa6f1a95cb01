import { ORGANIZATION, ANONYMIZATION, type ParameterSpec } from './parameters';
import { carePlanAndEpisodeStats, carePlansByEpisode, carePlanStatusDurations, careTeamStats } from './plan-reports';
import { patientRecord, practitionerCounts, practitionerRecord } from './people-reports';
import { patientDevices } from './device-reports';
import { groupName, json, maybeAnonymized, type Report } from './reports';

/** The care-plan, care-team, GDPR and practitioner reports of FUT's reporting service. */

const maybe = maybeAnonymized;
const DIRECTORY_ORGANIZATION: ParameterSpec = { name: 'organization', type: 'Reference', min: 0, documentation: 'CareTeams managed by, and PractitionerRoles at, this Organization only.' };
const PERIOD_CAREPLAN: ParameterSpec = { name: 'period', type: 'Period', min: 0, documentation: 'Only CarePlans whose period overlaps this period.' };
const NOT_USED: ParameterSpec = { name: 'period', type: 'Period', min: 0, documentation: 'Accepted and not used (as in FUT).' };

export const CAREPLAN_AND_EPISODE_STATS: Report = {
  key: 'careplan-and-episode-of-care-stats',
  folder: 'CarePlanAndEpisodeOfCareStatsReport',
  title: 'CarePlan and EpisodeOfCare statistics',
  description:
    'Active EpisodeOfCare and active CarePlans (of those episodes, period overlapping) the caller may read, per condition code (the first coding of the episode’s first diagnosis Condition): one JSON file per code (ConditionCode/<system>|<code>, or ConditionCode/none) with conditionCode, episodeOfCareCount and carePlanCount.',
  parameters: [ANONYMIZATION, ORGANIZATION, PERIOD_CAREPLAN],
  async files(db, scope, input) {
    const rows = await carePlanAndEpisodeStats(db, scope, input);
    return rows.map((r) => ({
      name: `ConditionCode/${r.code === null ? 'none' : `${r.system ?? ''}|${r.code}`}`,
      text: json({ conditionCode: r.code === null ? null : { system: r.system, code: r.code }, episodeOfCareCount: r.episodes, carePlanCount: r.carePlans }),
    }));
  },
};

export const CAREPLANS_BY_PATIENT: Report = {
  key: 'careplans-by-patient',
  folder: 'CarePlansByPatientReport',
  title: 'CarePlans by patient',
  description:
    'Per EpisodeOfCare the caller may read that has CarePlans overlapping the period: one JSON file with the episode (EHealthEpisodeOfCare), its CarePlans (EHealthCarePlan), the PlanDefinitions they instantiate (EHealthPlanDefinition) and the episode’s ServiceRequests (EHealthServiceRequest).',
  parameters: [ANONYMIZATION, ORGANIZATION, PERIOD_CAREPLAN],
  async files(db, scope, input) {
    const rows = await carePlansByEpisode(db, scope, input);
    return rows.map((r, i) => ({
      name: groupName(input, r.episode, i),
      text: json({
        EHealthEpisodeOfCare: maybe(input, r.episode),
        EHealthCarePlan: r.carePlans.map((c) => maybe(input, c)),
        EHealthPlanDefinition: r.planDefinitions,
        EHealthServiceRequest: r.serviceRequests.map((s) => maybe(input, s)),
      }),
    }));
  },
};

export const CARETEAM_STATS: Report = {
  key: 'careteam-stats',
  folder: 'CareTeamStatsReport',
  title: 'CareTeam statistics',
  description:
    'Per CareTeam (managed by organization when given, else every team with something counted): the EpisodeOfCare it is a team of (period overlap), the CarePlans it is a care team of (period overlap) and the Tasks it owns (authoredOn in the period) per category (Task.code), counting only what the caller may read: one JSON file per team (EHealthCareTeam, episodeOfCareCount, carePlanCount, taskCounts).',
  parameters: [
    ANONYMIZATION,
    { name: 'organization', type: 'Reference', min: 0, documentation: 'Only CareTeams whose managingOrganization is this Organization.' },
    { name: 'period', type: 'Period', min: 0, documentation: 'EpisodeOfCare.period and CarePlan.period overlap it; Task.authoredOn inside it.' },
  ],
  async files(db, scope, input) {
    const rows = await careTeamStats(db, scope, input);
    return rows.map((r, i) => ({
      name: groupName(input, r.careTeam, i, 'EHealthCareTeam'),
      text: json({ EHealthCareTeam: maybe(input, r.careTeam), episodeOfCareCount: r.episodes, carePlanCount: r.carePlans, taskCounts: r.tasks }),
    }));
  },
};

export const PATIENT_GDPR: Report = {
  key: 'patient-gdpr',
  folder: 'PatientGdprReport',
  title: 'Patient GDPR',
  description:
    'Everything held about one Patient that the caller may read: the Patient and every resource in its compartment or pointing into it (EpisodeOfCare only of organization when given), by type, in one JSON file (PatientGdpr). Empty when the Patient is not known or not readable by the caller.',
  parameters: [
    ANONYMIZATION,
    { name: 'organization', type: 'Reference', min: 0, documentation: 'Only EpisodeOfCare whose managingOrganization is this Organization.' },
    NOT_USED,
    { name: 'patient', type: 'Reference', min: 1, documentation: 'The Patient.' },
  ],
  async files(db, scope, input) {
    const resources = await patientRecord(db, scope, input);
    const byType: Record<string, unknown[]> = {};
    for (const r of resources) {
      if (input.anonymized && r.resourceType === 'Patient') continue;
      (byType[r.resourceType as string] ??= []).push(maybe(input, r));
    }
    return [{ name: 'PatientGdpr', text: json(byType) }];
  },
};

export const PRACTITIONER_GDPR: Report = {
  key: 'practitioner-gdpr',
  folder: 'PractitionerGdprReport',
  title: 'Practitioner GDPR',
  description:
    'What is held about one Practitioner in the directory: the Practitioner, the CareTeams it takes part in (managed by organization when given) and its PractitionerRoles (at organization when given), in one JSON file (PractitionerGdpr).',
  parameters: [
    ANONYMIZATION,
    DIRECTORY_ORGANIZATION,
    NOT_USED,
    { name: 'practitioner', type: 'Reference', min: 1, documentation: 'The Practitioner.' },
  ],
  async files(db, _scope, input) {
    const r = await practitionerRecord(db, input);
    const record = {
      Practitioner: r.practitioner && !input.anonymized ? r.practitioner : undefined,
      CareTeam: r.careTeams.map((t) => maybe(input, t)),
      PractitionerRole: r.roles.map((t) => maybe(input, t)),
    };
    return [{ name: 'PractitionerGdpr', text: json(record) }];
  },
};

export const PRACTITIONER_STATS: Report = {
  key: 'practitioner-stats',
  folder: 'PractitionerStatsReport',
  title: 'Practitioner statistics',
  description:
    'Distinct practitioners per Organization (active PractitionerRoles whose period overlaps) and per CareTeam (Practitioner participants whose period overlaps), in one JSON file (PractitionerStats: organizations and careTeams, each with reference, name and practitionerCount).',
  parameters: [
    ANONYMIZATION,
    DIRECTORY_ORGANIZATION,
    { name: 'period', type: 'Period', min: 0, documentation: 'PractitionerRole.period and CareTeam.participant.period overlap it.' },
  ],
  async files(db, _scope, input) {
    return [{ name: 'PractitionerStats', text: json(await practitionerCounts(db, input)) }];
  },
};

export const PATIENT_DEVICES: Report = {
  key: 'patient-devices',
  folder: 'PatientDevicesReport',
  title: 'Patient devices',
  description:
    'Per EpisodeOfCare the caller may read: the DeviceUseStatements about its patient (timing[x], FUT’s whenUsed, overlapping the period), the Devices they name (of devicetype when given) and those Devices’ DeviceMetrics, in one JSON file per episode (EHealthEpisodeOfCare, EHealthDeviceUseStatement, EHealthDevice, EHealthDeviceMetric); episodes without any are left out.',
  parameters: [
    ANONYMIZATION,
    ORGANIZATION,
    { name: 'period', type: 'Period', min: 0, documentation: 'Only DeviceUseStatements whose timing[x] (FUT: whenUsed) overlaps this period.' },
    { name: 'devicetype', type: 'Coding', min: 0, documentation: 'Only Devices with this coding in Device.type.' },
  ],
  async files(db, scope, input) {
    const rows = await patientDevices(db, scope, input);
    return rows.map((r, i) => ({
      name: groupName(input, r.episode, i),
      text: json({
        EHealthEpisodeOfCare: maybe(input, r.episode),
        EHealthDeviceUseStatement: r.statements.map((x) => maybe(input, x)),
        EHealthDevice: r.devices.map((x) => maybe(input, x)),
        EHealthDeviceMetric: r.metrics.map((x) => maybe(input, x)),
      }),
    }));
  },
};

/** Seconds as an ISO 8601 duration (`P1DT2H3M4S`, `PT0S`), to the second. */
export function isoDuration(seconds: number): string {
  let rest = Math.round(seconds);
  const days = Math.floor(rest / 86400);
  rest -= days * 86400;
  const parts = [[Math.floor(rest / 3600), 'H'], [Math.floor((rest % 3600) / 60), 'M'], [rest % 60, 'S']] as const;
  const time = parts.filter(([n]) => n > 0).map(([n, unit]) => `${n}${unit}`).join('');
  return `P${days ? `${days}D` : ''}${time || !days ? `T${time || '0S'}` : ''}`;
}

export const CAREPLAN_DURATION_STATS: Report = {
  key: 'careplan-duration-stats',
  folder: 'CarePlanDurationStatsReport',
  title: 'CarePlan duration statistics',
  description:
    'Time the CarePlans the caller may read spent in each status, from their version history (a version’s status lasts until the next version, the current one until now), per PlanDefinition they instantiate: one JSON file per PlanDefinition (PlanDefinition/<canonical>, or PlanDefinition/none) with, per status, count, min, max, sum and average as ISO 8601 durations.',
  parameters: [
    ANONYMIZATION,
    ORGANIZATION,
    PERIOD_CAREPLAN,
    { name: 'condition', type: 'Coding', min: 0, documentation: 'Only CarePlans of episodes of care with a diagnosis Condition of this code.' },
  ],
  async files(db, scope, input, now) {
    const rows = await carePlanStatusDurations(db, scope, input, now);
    const plans = [...new Set(rows.map((r) => r.plan))];
    return plans.map((plan) => ({
      name: `PlanDefinition/${plan === null ? 'none' : encodeURIComponent(plan)}`,
      text: json({
        planDefinition: plan,
        statuses: rows
          .filter((r) => r.plan === plan)
          .map((r) => ({ status: r.status, count: r.count, min: isoDuration(r.min), max: isoDuration(r.max), sum: isoDuration(r.sum), average: isoDuration(r.average) })),
      }),
    }));
  },
};

export const MORE_REPORTS: readonly Report[] = [CAREPLAN_DURATION_STATS, PATIENT_DEVICES, CAREPLAN_AND_EPISODE_STATS, CAREPLANS_BY_PATIENT, CARETEAM_STATS, PATIENT_GDPR, PRACTITIONER_GDPR, PRACTITIONER_STATS];
