/**
 * A small reader for the gzip-compressed tar Talos sends (Kubeconfig): regular files only, with
 * ustar prefixes and pax `path` records honoured. Enough for archives a Talos node writes.
 */
import { gunzipSync } from 'node:zlib';

const BLOCK = 512;

export interface TarEntry {
  name: string;
  type: 'file' | 'directory' | 'other';
  data: Buffer;
}

function text(block: Buffer, start: number, length: number): string {
  const slice = block.subarray(start, start + length);
  const end = slice.indexOf(0);
  return slice.subarray(0, end === -1 ? slice.length : end).toString('utf8');
}

function octal(block: Buffer, start: number, length: number): number {
  const raw = text(block, start, length).trim();
  if (raw === '') return 0;
  if (!/^[0-7]+$/.test(raw)) throw new Error(`tar: bad numeric field '${raw}'`);
  return parseInt(raw, 8);
}

function checksumOk(header: Buffer): boolean {
  const stored = octal(header, 148, 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (header[i] ?? 0);
  return sum === stored;
}

/** pax extended header records: "<len> key=value\n". Only `path` matters here. */
function paxPath(data: Buffer): string | undefined {
  let offset = 0;
  while (offset < data.length) {
    const space = data.indexOf(0x20, offset);
    if (space === -1) break;
    const length = parseInt(data.subarray(offset, space).toString('utf8'), 10);
    if (!Number.isFinite(length) || length <= 0) break;
    const record = data.subarray(space + 1, offset + length - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq !== -1 && record.slice(0, eq) === 'path') return record.slice(eq + 1);
    offset += length;
  }
  return undefined;
}

export function readTar(archive: Buffer): TarEntry[] {
  const entries: TarEntry[] = [];
  let offset = 0;
  let nextName: string | undefined;
  while (offset + BLOCK <= archive.length) {
    const header = archive.subarray(offset, offset + BLOCK);
    if (header.every((b) => b === 0)) break;
    if (!checksumOk(header)) throw new Error('tar: header checksum mismatch');
    const size = octal(header, 124, 12);
    const flag = String.fromCharCode(header[156] ?? 0);
    const dataStart = offset + BLOCK;
    if (dataStart + size > archive.length) throw new Error('tar: truncated archive');
    const data = Buffer.from(archive.subarray(dataStart, dataStart + size));
    offset = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    if (flag === 'x') {
      nextName = paxPath(data) ?? nextName;
      continue;
    }
    if (flag === 'L') {
      nextName = text(data, 0, data.length);
      continue;
    }
    if (flag === 'g') continue;
    const prefix = header.subarray(257, 262).toString('latin1') === 'ustar' ? text(header, 345, 155) : '';
    const base = text(header, 0, 100);
    const name = nextName ?? (prefix ? `${prefix}/${base}` : base);
    nextName = undefined;
    const type = flag === '0' || flag === '\0' ? 'file' : flag === '5' ? 'directory' : 'other';
    entries.push({ name, type, data });
  }
  return entries;
}

/** The content of the regular file `name` (also found as `./name`) in a .tar.gz. */
export function fileFromTarGz(archive: Buffer, name: string): Buffer | undefined {
  const entries = readTar(gunzipSync(archive));
  const wanted = entries.find((e) => e.type === 'file' && e.name.replace(/^\.\//, '') === name);
  return wanted?.data;
}
