import { inflateRawSync } from 'node:zlib';
import { crc32, zipFiles } from '../../../src/fut/reporting/zip';
import { isoDuration } from '../../../src/fut/reporting/reports-more';

describe('report ZIP', () => {
  it('CRC-32 gives the standard check value', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  });

  it('writes local headers, deflated data and a central directory a reader can follow', () => {
    const files = [
      { name: 'R_2026/ReportHeader', text: '{"a":1}' },
      { name: 'R_2026/EHealthEpisodeOfCare/ø', text: 'x'.repeat(5000) },
    ];
    const zip = zipFiles(files, new Date('2026-05-01T10:11:12Z'));
    const end = zip.length - 22;
    expect(zip.readUInt32LE(end)).toBe(0x06054b50);
    expect(zip.readUInt16LE(end + 10)).toBe(2);
    let at = zip.readUInt32LE(end + 16);
    for (const file of files) {
      expect(zip.readUInt32LE(at)).toBe(0x02014b50);
      const nameLength = zip.readUInt16LE(at + 28);
      expect(zip.toString('utf8', at + 46, at + 46 + nameLength)).toBe(file.name);
      const local = zip.readUInt32LE(at + 42);
      expect(zip.readUInt32LE(local)).toBe(0x04034b50);
      const start = local + 30 + zip.readUInt16LE(local + 26);
      const text = inflateRawSync(zip.subarray(start, start + zip.readUInt32LE(at + 20)));
      expect(text.toString('utf8')).toBe(file.text);
      expect(zip.readUInt32LE(at + 16)).toBe(crc32(text));
      at += 46 + nameLength;
    }
    // 2026-05-01 10:11:12 in MS-DOS fields
    expect(zip.readUInt16LE(12)).toBe((46 << 9) | (5 << 5) | 1);
    expect(zip.readUInt16LE(10)).toBe((10 << 11) | (11 << 5) | 6);
  });

  it('writes durations in ISO 8601', () => {
    expect([0, 59, 3600, 86400, 90061].map(isoDuration)).toEqual(['PT0S', 'PT59S', 'PT1H', 'P1D', 'P1DT1H1M1S']);
  });
});
