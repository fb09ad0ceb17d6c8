/**
 * Drivers for the kinds whose only in-place changes are name and labels (and delete protection):
 * SSH keys, placement groups, volumes — and the network itself.
 */
import { generateKeyPairSync } from 'node:crypto';
import type { ResourceRecord } from '../runner.js';
import { ADDRESS_LABEL, type HcloudApi } from '../../providers/hcloud/index.js';
import { createLabels, obj, settle, str, type DriverContext } from './context.js';
import type { Driver } from './driver.js';

type Named = { id: number; name: string; labels: Record<string, string> };

function record(
  ctx: DriverContext,
  type: string,
  item: Named,
  attrs: Record<string, unknown> = {},
): ResourceRecord {
  return { address: ctx.address, type, id: String(item.id), attrs: { name: item.name, ...attrs } };
}

async function findOne<T extends Named>(
  ctx: DriverContext,
  list: (f: { labelSelector: string }) => Promise<T[]>,
) {
  const [found] = await list({ labelSelector: `${ADDRESS_LABEL}=${ctx.address}` });
  return found;
}

export const networkDriver: Driver = {
  async create(ctx, props) {
    const { resource, actions } = await ctx.api.networks.create(
      { name: str(props.name), ip_range: str(props.ip_range), labels: createLabels(ctx, props) },
      ctx.address,
      { where: ctx.address, signal: ctx.run.signal },
    );
    await settle(ctx, Promise.resolve({ actions }));
    if (obj(props.protection).delete === true) {
      await settle(
        ctx,
        ctx.api.networks.changeProtection(resource.id, { delete: true }, { where: ctx.address }),
      );
    }
    return record(ctx, 'network', resource, { ip_range: resource.ip_range });
  },
  async update(ctx, action) {
    const id = Number(action.resourceId);
    const after = action.after;
    if (
      after.protection !== undefined &&
      JSON.stringify(after.protection) !== JSON.stringify(action.before.protection)
    ) {
      await settle(
        ctx,
        ctx.api.networks.changeProtection(
          id,
          { delete: obj(after.protection).delete === true },
          { where: ctx.address },
        ),
      );
    }
    const updated = await ctx.api.networks.update(
      id,
      { name: str(after.name), labels: after.labels as Record<string, string> },
      { where: ctx.address },
    );
    return record(ctx, 'network', updated, { ip_range: updated.ip_range });
  },
  async delete(ctx, id, before) {
    if (obj(before.protection).delete === true) {
      await settle(
        ctx,
        ctx.api.networks.changeProtection(Number(id), { delete: false }, { where: ctx.address }),
      );
    }
    await settle(ctx, ctx.api.networks.delete(Number(id), { where: ctx.address }));
  },
  async find(ctx) {
    const found = await findOne(ctx, (f) => ctx.api.networks.list(f));
    return found && record(ctx, 'network', found, { ip_range: found.ip_range });
  },
};

/** An OpenSSH `ssh-ed25519 AAAA…` line for a Node public key. */
export function openSshPublicKey(rawPublicKey: Buffer, comment: string): string {
  const field = (b: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length);
    return Buffer.concat([len, b]);
  };
  const blob = Buffer.concat([field(Buffer.from('ssh-ed25519')), field(rawPublicKey)]);
  return `ssh-ed25519 ${blob.toString('base64')} ${comment}`;
}

const SSH_SECRET = 'ssh.private-key';
const SSH_PUBLIC = 'ssh.public-key';

/** The cluster's key pair, generated once and kept (private part as a secret) in the event log. */
async function clusterKey(ctx: DriverContext, comment: string): Promise<string> {
  const known = ctx.run.secrets.get(SSH_PUBLIC);
  if (known && ctx.run.secrets.get(SSH_SECRET)) return known;
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const line = openSshPublicKey(raw, comment);
  await ctx.run.secrets.put(SSH_SECRET, privateKey.export({ format: 'pem', type: 'pkcs8' }).toString());
  await ctx.run.secrets.put(SSH_PUBLIC, line);
  return line;
}

export const sshKeyDriver: Driver = {
  async create(ctx, props) {
    const publicKey =
      typeof props.public_key === 'string'
        ? props.public_key
        : await clusterKey(ctx, `hk8s-${str(props.name)}`);
    const { resource } = await ctx.api.sshKeys.create(
      { name: str(props.name), public_key: publicKey, labels: createLabels(ctx, props) },
      ctx.address,
      { where: ctx.address, signal: ctx.run.signal },
    );
    return record(ctx, 'ssh_key', resource, {
      public_key: resource.public_key.trim(),
      fingerprint: resource.fingerprint,
    });
  },
  async update(ctx, action) {
    const updated = await ctx.api.sshKeys.update(
      Number(action.resourceId),
      { name: str(action.after.name), labels: action.after.labels as Record<string, string> },
      { where: ctx.address },
    );
    return record(ctx, 'ssh_key', updated, {
      public_key: updated.public_key.trim(),
      fingerprint: updated.fingerprint,
    });
  },
  async delete(ctx, id) {
    await settle(ctx, ctx.api.sshKeys.delete(Number(id), { where: ctx.address }));
  },
  async find(ctx) {
    const found = await findOne(ctx, (f) => ctx.api.sshKeys.list(f));
    return (
      found &&
      record(ctx, 'ssh_key', found, { public_key: found.public_key.trim(), fingerprint: found.fingerprint })
    );
  },
};

function labelsOnlyDriver<K extends 'placementGroups' | 'volumes'>(kind: K, type: string): Driver {
  const api = (ctx: DriverContext) => ctx.api[kind] as unknown as HcloudApi['placementGroups'];
  return {
    async create(ctx, props) {
      if (kind !== 'placementGroups') throw new Error(`${ctx.address}: hk8s does not create ${type}s`);
      const { resource } = await ctx.api.placementGroups.create(
        { name: str(props.name), type: 'spread', labels: createLabels(ctx, props) },
        ctx.address,
        { where: ctx.address, signal: ctx.run.signal },
      );
      return record(ctx, type, resource);
    },
    async update(ctx, action) {
      const updated = await api(ctx).update(
        Number(action.resourceId),
        { name: str(action.after.name), labels: action.after.labels as Record<string, string> },
        { where: ctx.address },
      );
      return record(ctx, type, updated);
    },
    async delete(ctx, id) {
      await settle(ctx, api(ctx).delete(Number(id), { where: ctx.address }));
    },
    async find(ctx) {
      const found = await findOne(ctx, (f) => api(ctx).list(f));
      return found && record(ctx, type, found);
    },
  };
}

export const placementGroupDriver = labelsOnlyDriver('placementGroups', 'placement_group');
export const volumeDriver = labelsOnlyDriver('volumes', 'volume');
