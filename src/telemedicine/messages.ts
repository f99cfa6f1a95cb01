import type { Communication, EpisodeOfCare, Task } from '@medplum/fhirtypes';
import type { WriteHook } from '../interactions/write-hooks';
import { idOf, serverSearch } from './server-reads';
import { previousVersion, serverWrite } from './server-writes';
import { EPISODE_EXTENSION, TASK_CATEGORY_SYSTEM } from './triage/triage-result';
import { OPEN_TASK_STATUSES } from './triage/retriage';

/**
 * When the recipient read a message (kolibri-communication): R4 gives Communication no "read"
 * state (status `completed` says the message was sent, `received` when it arrived), so the read
 * receipt is this extension, a dateTime set by the reader.
 */
export const READ_EXTENSION = 'https://kolibri.dk/fhir/StructureDefinition/ext-read';
export const UNREAD_MESSAGE = 'unread-message';

/**
 * Messages between a citizen and the care team, as a write hook (src/interactions/write-hooks.ts):
 *
 *  - a Communication a citizen's Patient sends to a CareTeam of its episode (ext-episode-of-care),
 *    unread, makes a Task `unread-message` for that team's worklist (focus the Communication,
 *    routine), in the same transaction;
 *  - when a version first carries the read receipt (`ext-read`), the open `unread-message` Tasks
 *    of that Communication are completed.
 *
 * The Task is the server's and needs no Task scope of the caller (it follows from the message the
 * caller was allowed to write); it is validated against kolibri-task like any write.
 */
export const unreadMessageTasks: WriteHook = async ({ tx, deps, changes }) => {
  for (const change of changes) {
    if (change.resourceType !== 'Communication' || change.json === null) continue;
    const message = JSON.parse(change.json) as Communication;
    const before = change.action === 'update' ? await previousVersion<Communication>(tx, 'Communication', change.id, change.versionId) : undefined;
    if (readAt(message) && (change.action === 'create' || !readAt(before))) {
      await completeTasks(change.id);
      continue;
    }
    if (change.action !== 'create' || readAt(message) || !fromCitizen(message) || message.status === 'entered-in-error') continue;
    const team = message.recipient?.map((r) => idOf(r.reference, 'CareTeam')).find(Boolean);
    const episode = message.extension?.find((e) => e.url === EPISODE_EXTENSION)?.valueReference?.reference;
    if (!team || !episode) continue; // kolibri-communication requires both; a plain R4 message makes no worklist item
    // only a team that cares for the citizen in that episode gets the worklist item
    const stored = await tx.read('EpisodeOfCare', idOf(episode, 'EpisodeOfCare') ?? '');
    const eoc = stored?.json ? (JSON.parse(stored.json) as EpisodeOfCare) : undefined;
    if (eoc?.patient?.reference !== message.subject?.reference || !eoc?.team?.some((t) => t.reference === `CareTeam/${team}`)) continue;
    await serverWrite(tx, deps, unreadTask(change.id, message, team, episode, tx.now));
  }

  async function completeTasks(communicationId: string): Promise<void> {
    const tasks = await serverSearch<Task>(deps, 'Task', [['focus', `Communication/${communicationId}`], ['code', `${TASK_CATEGORY_SYSTEM}|${UNREAD_MESSAGE}`], ['_count', '100']], tx);
    for (const task of tasks) {
      if (!OPEN_TASK_STATUSES.has(task.status)) continue;
      await serverWrite(tx, deps, { ...task, status: 'completed', lastModified: tx.now });
    }
  }
};

/** Only Communication writes: every other write may be made without a transaction around it. */
unreadMessageTasks.watches = (change) => change.resourceType === 'Communication';

function readAt(message: Communication | undefined): string | undefined {
  return message?.extension?.find((e) => e.url === READ_EXTENSION)?.valueDateTime;
}

/** A message the citizen sent: its sender is the Patient it is about. */
function fromCitizen(message: Communication): boolean {
  const sender = message.sender?.reference;
  return !!sender && sender.startsWith('Patient/') && sender === message.subject?.reference;
}

function unreadTask(communicationId: string, message: Communication, teamId: string, episode: string, now: string): Task {
  return {
    resourceType: 'Task',
    meta: { profile: ['https://kolibri.dk/fhir/StructureDefinition/kolibri-task'] },
    extension: [{ url: EPISODE_EXTENSION, valueReference: { reference: episode } }],
    status: 'requested',
    intent: 'order',
    priority: 'routine',
    code: { coding: [{ system: TASK_CATEGORY_SYSTEM, code: UNREAD_MESSAGE, display: 'Unread message' }] },
    // the message's text stays in the Communication: the worklist shows who wrote, not what
    description: 'Unread message from the citizen',
    focus: { reference: `Communication/${communicationId}` },
    for: { reference: message.subject?.reference as string },
    authoredOn: now,
    owner: { reference: `CareTeam/${teamId}` },
  };
}
