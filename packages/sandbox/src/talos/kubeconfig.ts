/**
 * The admin kubeconfig a control plane hands out: cluster `<name>`, user and context
 * `admin@<name>`, server = the config's cluster endpoint, a client certificate (CN=admin,
 * O=system:masters) from the Kubernetes CA, packed as Talos does: a .tar.gz with one file.
 */
import { gzipSync } from 'node:zlib';
import { stringify } from 'yaml';
import type { MachineConfig } from './config.js';
import { issueAdminCert, loadCa } from './pki.js';

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

export async function adminKubeconfig(config: MachineConfig): Promise<string> {
  const ca = await loadCa(config.k8sCa.crt, config.k8sCa.key);
  const admin = await issueAdminCert(ca, config.adminKubeconfigHours);
  const name = config.clusterName;
  const user = `admin@${name}`;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      { name, cluster: { server: config.endpoint, 'certificate-authority-data': b64(config.k8sCa.crt) } },
    ],
    users: [
      { name: user, user: { 'client-certificate-data': b64(admin.cert), 'client-key-data': b64(admin.key) } },
    ],
    contexts: [{ context: { cluster: name, namespace: 'default', user }, name: user }],
    'current-context': user,
  });
}

/** One ustar header block for a regular file. */
function tarHeader(name: string, size: number, mode: number, mtime: number): Buffer {
  const header = Buffer.alloc(512, 0);
  const put = (value: string, offset: number, length: number) => header.write(value, offset, length, 'utf8');
  const num = (value: number, offset: number, length: number) =>
    put(`${value.toString(8).padStart(length - 1, '0')}\0`, offset, length);
  put(name, 0, 100);
  num(mode, 100, 8);
  num(0, 108, 8);
  num(0, 116, 8);
  num(size, 124, 12);
  num(mtime, 136, 12);
  header.fill(0x20, 148, 156);
  put('0', 156, 1);
  put('ustar\0', 257, 6);
  put('00', 263, 2);
  let sum = 0;
  for (const byte of header) sum += byte;
  put(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
  return header;
}

/** A .tar.gz holding the single file `name` (mode 0600). */
export function tarGzSingleFile(name: string, content: string): Buffer {
  const data = Buffer.from(content, 'utf8');
  const padding = Buffer.alloc((512 - (data.length % 512)) % 512, 0);
  const tar = Buffer.concat([
    tarHeader(name, data.length, 0o600, Math.floor(Date.now() / 1000)),
    data,
    padding,
    Buffer.alloc(1024, 0),
  ]);
  return gzipSync(tar);
}
