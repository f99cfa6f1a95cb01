import { gunzipSync } from 'node:zlib';

/**
 * The regular files of a gzipped tar archive (what `npm pack` writes), by path. FHIR packages
 * are small enough (a few MB) to hold whole in memory. Reads ustar headers, with the long names
 * of GNU (`L`) and pax (`x`, `path=`) entries; anything else (links, folders) is skipped.
 * https://www.gnu.org/software/tar/manual/html_node/Standard.html
 */
export function readTarGz(data: Buffer): Map<string, Buffer> {
  const tar = gunzipSync(data);
  const files = new Map<string, Buffer>();
  let offset = 0;
  let longName: string | undefined;
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break; // end of archive
    const size = parseInt(text(header, 124, 12).trim() || '0', 8);
    if (!Number.isFinite(size)) throw new Error(`corrupt tar header at byte ${offset}`);
    const type = String.fromCharCode(header[156] || 48);
    const body = tar.subarray(offset + 512, offset + 512 + size);
    offset += 512 + Math.ceil(size / 512) * 512;
    if (type === 'L') {
      longName = text(body, 0, body.length);
      continue;
    }
    if (type === 'x') {
      longName = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(body.toString('utf8'))?.[1] ?? longName;
      continue;
    }
    const prefix = text(header, 345, 155);
    const name = longName ?? (prefix ? `${prefix}/${text(header, 0, 100)}` : text(header, 0, 100));
    longName = undefined;
    if (type === '0' || type === '7') files.set(name, Buffer.from(body));
  }
  return files;
}

function text(buf: Buffer, start: number, length: number): string {
  const slice = buf.subarray(start, start + length);
  const end = slice.indexOf(0);
  return slice.subarray(0, end < 0 ? slice.length : end).toString('utf8');
}
