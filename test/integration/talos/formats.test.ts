/** The byte formats at the edges: userdata encodings, the tar.gz reader, endpoints. */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { fileFromTarGz, parseEndpoint, readTar } from '../../../src/providers/talos/client/index.js';

/** A hand-built ustar block (independent of both implementations under test). */
function header(name: string, size: number, type: string, prefix = ''): Buffer {
  const h = Buffer.alloc(512, 0);
  h.write(name, 0);
  h.write('0000600\0', 100);
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  h.write('00000000000\0', 136);
  h.fill(0x20, 148, 156);
  h.write(type, 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  h.write(prefix, 345);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return h;
}

function block(data: string): Buffer {
  const bytes = Buffer.from(data);
  return Buffer.concat([bytes, Buffer.alloc((512 - (bytes.length % 512)) % 512)]);
}

describe('tar reader', () => {
  it('reads regular files, ustar prefixes and pax paths, and skips directories', () => {
    const pax = '29 path=very/long/kubeconfig\n';
    const archive = Buffer.concat([
      header('dir/', 0, '5'),
      header('a.txt', 5, '0', 'nested'),
      block('hello'),
      header('PaxHeader', Buffer.byteLength(pax), 'x'),
      block(pax),
      header('short', 3, '0'),
      block('abc'),
      Buffer.alloc(1024),
    ]);
    const entries = readTar(archive);
    expect(entries.map((e) => [e.name, e.type])).toEqual([
      ['dir/', 'directory'],
      ['nested/a.txt', 'file'],
      ['very/long/kubeconfig', 'file'],
    ]);
    expect(fileFromTarGz(gzipSync(archive), 'nested/a.txt')?.toString()).toBe('hello');
  });

  it('rejects a corrupted header', () => {
    const archive = Buffer.concat([header('x', 1, '0'), block('y'), Buffer.alloc(1024)]);
    archive[0] = 0x7a;
    expect(() => readTar(archive)).toThrow(/checksum/);
  });
});

describe('endpoints', () => {
  it.each([
    ['127.0.0.5', '127.0.0.5:50000'],
    ['127.0.0.5:50001', '127.0.0.5:50001'],
    ['[::1]', '[::1]:50000'],
    ['node.example:7000', 'node.example:7000'],
  ])('%s → %s', (input, target) => {
    expect(parseEndpoint(input).target).toBe(target);
  });
});
