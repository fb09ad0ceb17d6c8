/** SSH keys: the public key is parsed, its MD5 fingerprint computed; names and fingerprints are unique. */
import { createHash } from 'node:crypto';
import { invalidField, uniquenessError } from '../api-error.js';
import type { Handler } from '../context.js';
import { validateLabels } from '../labels.js';
import type { SshKeyRec } from '../types.js';
import { isoTime, nextId } from '../world.js';
import { assertNameFree, ok } from './common.js';
import { getHandler, listHandler, removeHandler, resourceKind, updateHandler } from './crud.js';

const KEY_TYPES = new Set([
  'ssh-rsa',
  'ssh-ed25519',
  'ssh-dss',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
]);

/** Returns the MD5 fingerprint (`aa:bb:…`) or throws invalid_input on `public_key`. */
export function fingerprintOf(publicKey: string): string {
  const [type = '', data = ''] = publicKey.trim().split(/\s+/);
  const invalid = () => invalidField('public_key', 'invalid public key');
  if (!KEY_TYPES.has(type) || !/^[A-Za-z0-9+/]+={0,2}$/.test(data)) throw invalid();
  const blob = Buffer.from(data, 'base64');
  if (blob.length < 4) throw invalid();
  const nameLength = blob.readUInt32BE(0);
  if (nameLength + 4 > blob.length || blob.subarray(4, 4 + nameLength).toString('latin1') !== type)
    throw invalid();
  const hex = createHash('md5').update(blob).digest('hex');
  return hex.match(/../g)?.join(':') ?? hex;
}

function render(k: SshKeyRec): Record<string, unknown> {
  return {
    id: k.id,
    name: k.name,
    labels: k.labels,
    created: k.created,
    fingerprint: k.fingerprint,
    public_key: k.public_key,
  };
}

const sshKeys = resourceKind('ssh_keys', 'ssh_key', 'SSH Key', (_, k) => render(k));

const create: Handler = ({ ctx, body }) => {
  const { world } = ctx;
  const input = body as { name: string; public_key: string; labels?: Record<string, string> };
  assertNameFree(world.ssh_keys, input.name);
  const labels = validateLabels(input.labels);
  const fingerprint = fingerprintOf(input.public_key);
  if (Object.values(world.ssh_keys).some((k) => k.fingerprint === fingerprint)) {
    throw uniquenessError('public_key', 'SSH key with the same fingerprint already exists');
  }
  const key: SshKeyRec = {
    id: nextId(world, 'ssh_key'),
    name: input.name,
    labels,
    created: isoTime(ctx.now),
    public_key: input.public_key.trim(),
    fingerprint,
  };
  world.ssh_keys[key.id] = key;
  return ok({ ssh_key: render(key) }, 201);
};

const list = listHandler(sshKeys, {
  sort: { id: (k) => k.id, name: (k) => k.name },
  filter: (req) => {
    const fingerprint = req.query['fingerprint'];
    return typeof fingerprint === 'string' ? (k) => k.fingerprint === fingerprint : undefined;
  },
});

const get = getHandler(sshKeys);

const update = updateHandler(sshKeys);

const remove = removeHandler(sshKeys);

export const sshKeyHandlers: Record<string, Handler> = {
  list_ssh_keys: list,
  create_ssh_key: create,
  get_ssh_key: get,
  replace_ssh_key: update,
  delete_ssh_key: remove,
};
