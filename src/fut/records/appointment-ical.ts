import type { Appointment, Binary } from '@medplum/fhirtypes';
import { badRequest, notFound, unprocessable } from '../../fhir/outcome';
import { checkId } from '../../interactions/resource-input';
import type { OperationContext } from '../../interactions/operation';
import type { InteractionResult } from '../../interactions/types';
import { parametersOf } from '../reporting/parameters';

/** Appointment.status → iCalendar VEVENT STATUS (RFC 5545 §3.8.1.11). */
const STATUS: Record<string, string> = {
  proposed: 'TENTATIVE',
  pending: 'TENTATIVE',
  waitlist: 'TENTATIVE',
  booked: 'CONFIRMED',
  arrived: 'CONFIRMED',
  fulfilled: 'CONFIRMED',
  checkedIn: 'CONFIRMED',
  cancelled: 'CANCELLED',
  noshow: 'CANCELLED',
  'entered-in-error': 'CANCELLED',
};

/**
 * `Appointment/{id}/$exportAsiCal`: the Appointment as an iCalendar file (RFC 5545): one VEVENT
 * with UID `<id>@<server>`, DTSTART/DTEND (UTC), SUMMARY (description, else the service type or
 * "Appointment"), DESCRIPTION (comment) and STATUS. Answered as a Binary (text/calendar) like
 * FUT's; the caller must be able to read the Appointment (else 404, as for one that does not exist).
 */
export async function appointmentIcal({ deps, id, query, body }: OperationContext): Promise<InteractionResult> {
  if (Object.keys(query).length || parametersOf(body).length) throw badRequest('$exportAsiCal takes no parameters', ['Parameters.parameter']);
  deps.access.requireScope('read', 'Appointment');
  checkId(id as string);
  const stored = await deps.access.readCurrent('Appointment', id as string);
  if (!stored || stored.deleted || !stored.json) throw notFound(`Appointment/${String(id)} is not known`);
  const appointment = JSON.parse(stored.json as string) as Appointment;
  await deps.access.ensureVisible(appointment, `Appointment/${String(id)}`);
  if (!appointment.start || !appointment.end) throw unprocessable([{ severity: 'error', code: 'required', diagnostics: 'An Appointment without start and end has no calendar entry', expression: ['Appointment.start'] }]);
  const text = ical(appointment, new URL(deps.baseUrl).host, deps.clock.now());
  const binary: Binary = { resourceType: 'Binary', contentType: 'text/calendar', data: Buffer.from(text, 'utf8').toString('base64') };
  return { status: 200, body: binary };
}

/** The iCalendar text (CRLF line ends, lines folded at 75 octets). */
export function ical(a: Appointment, host: string, now: Date): string {
  const summary = a.description ?? a.serviceType?.[0]?.text ?? a.serviceType?.[0]?.coding?.[0]?.display ?? 'Appointment';
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Kolibri//FHIR Appointment//EN',
    'CALSCALE:GREGORIAN',
    'METHOD:PUBLISH',
    'BEGIN:VEVENT',
    `UID:${a.id}@${host}`,
    `DTSTAMP:${utc(now.toISOString())}`,
    `DTSTART:${utc(a.start as string)}`,
    `DTEND:${utc(a.end as string)}`,
    `SUMMARY:${escape(summary)}`,
    ...(a.comment ? [`DESCRIPTION:${escape(a.comment)}`] : []),
    ...(a.status && STATUS[a.status] ? [`STATUS:${STATUS[a.status]}`] : []),
    'END:VEVENT',
    'END:VCALENDAR',
  ];
  return lines.map(fold).join('\r\n') + '\r\n';
}

/** An instant as an iCalendar UTC DATE-TIME (`20260501T080000Z`). */
function utc(instant: string): string {
  return new Date(instant).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/** TEXT value escaping (RFC 5545 §3.3.11). */
function escape(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r?\n/g, '\\n');
}

/** Fold a content line at 75 octets, not inside a UTF-8 character (RFC 5545 §3.1). */
function fold(line: string): string {
  const parts: string[] = [];
  let current = '';
  let bytes = 0;
  for (const ch of line) {
    const size = Buffer.byteLength(ch);
    if (bytes + size > (parts.length ? 74 : 75)) {
      parts.push(current);
      current = '';
      bytes = 0;
    }
    current += ch;
    bytes += size;
  }
  parts.push(current);
  return parts.join('\r\n ');
}
