/**
 * Servers: created from the Talos image, attached to their subnet, protected; updated in place
 * where Hetzner allows it (labels, type with a power cycle, network, rDNS, protection).
 */
import { Hk8sError } from '../../../errors.js';
import type { ResourceRecord } from '../../../execute/runner.js';
import type { JsonObject } from '../../../plan/types.js';
import type { HcloudApi, Server } from '../../../providers/hcloud/index.js';
import type { Driver, DriverContext } from '../../types.js';
import { createLabels, findByAddress, refId, settle } from '../driver-kit.js';
import { changed, labelsOf, list, obj, str } from '../props.js';
import { renderRdns } from '../rdns.js';
import { imageSelector } from '../image/model.js';

function record(ctx: DriverContext, s: Server): ResourceRecord {
  return {
    address: ctx.address,
    type: 'server',
    id: String(s.id),
    attrs: {
      name: s.name,
      server_type: s.server_type.name,
      location: s.location?.name ?? s.datacenter.location.name,
      ipv4: s.public_net.ipv4?.ip ?? null,
      ipv6: s.public_net.ipv6?.ip ?? null,
      private_ip: s.private_net[0]?.ip ?? null,
    },
  };
}

/** One image lookup per image per process, however many servers are created. */
const imageLookups = new WeakMap<HcloudApi, Map<string, Promise<number>>>();

/** The selector of the Talos image a server boots: version, schematic and architecture. */
export function talosImageSelector(image: JsonObject): string {
  const arch = str(image.arch) === 'arm' ? 'arm' : 'x86';
  return imageSelector({ version: str(image.talos_version), schematic: str(image.schematic), arch });
}

async function talosImage(ctx: DriverContext, image: JsonObject): Promise<number> {
  const cache = imageLookups.get(ctx.api) ?? new Map<string, Promise<number>>();
  imageLookups.set(ctx.api, cache);
  const selector = talosImageSelector(image);
  let lookup = cache.get(selector);
  if (!lookup) {
    lookup = ctx.api.images.list({ labelSelector: selector }).then((images) => {
      const newest = [...images].filter((i) => i.status === 'available').sort((a, b) => b.id - a.id)[0];
      if (!newest) {
        throw new Hk8sError(
          'provider.api',
          `no available Talos image (snapshot labelled ${selector}) in this Hetzner project`,
          {
            where: ctx.address,
            hint: `Run \`hk8s apply\` again (the plan builds the missing image as image.talos-${str(image.arch)}), or \`hk8s image build\`.`,
          },
        );
      }
      return newest.id;
    });
    cache.set(selector, lookup);
    // A miss is not kept: the image may be built later in the same process.
    lookup.catch(() => cache.delete(selector));
  }
  return lookup;
}

async function attach(ctx: DriverContext, id: number, props: JsonObject): Promise<void> {
  const network = refId(ctx, props.network);
  if (network === undefined) return;
  await settle(
    ctx,
    ctx.api.servers.attachToNetwork(
      id,
      { network, ip_range: str(props.subnet) },
      {
        where: ctx.address,
        verify: async () =>
          ((await ctx.api.servers.get(id))?.private_net ?? []).some((n) => n.network === network),
      },
    ),
  );
}

async function protect(ctx: DriverContext, id: number, protection: JsonObject): Promise<void> {
  await settle(
    ctx,
    ctx.api.servers.changeProtection(
      id,
      { delete: protection.delete === true, rebuild: protection.rebuild === true },
      { where: ctx.address },
    ),
  );
}

async function setRdns(ctx: DriverContext, server: Server, rdns: JsonObject): Promise<void> {
  const targets: Array<[string | undefined, unknown]> = [
    [server.public_net.ipv4?.ip, rdns.ipv4],
    [server.public_net.ipv6?.ip?.replace(/\/\d+$/, '').replace(/::$/, '::1'), rdns.ipv6],
  ];
  for (const [ip, template] of targets) {
    if (!ip || typeof template !== 'string') continue;
    // The plan resolved every placeholder it could; what only the new server knows is filled in here.
    const ptr = renderRdns(template, { id: String(server.id), ip });
    if (!ptr) continue;
    await settle(ctx, ctx.api.servers.changeDnsPtr(server.id, { ip, dns_ptr: ptr }, { where: ctx.address }));
  }
}

async function current(ctx: DriverContext, id: number): Promise<Server> {
  const server = await ctx.api.servers.get(id, { where: ctx.address });
  if (!server)
    throw new Hk8sError('provider.api', 'the server disappeared while hk8s was changing it', {
      where: ctx.address,
      hint: 'Run `hk8s plan` to see what exists now.',
    });
  return server;
}

export const serverDriver: Driver = {
  async create(ctx, props) {
    const image = await talosImage(ctx, obj(props.image));
    const sshKey = refId(ctx, list(props.ssh_keys)[0] ?? null);
    const group = refId(ctx, props.placement_group);
    const { resource, actions } = await ctx.api.servers.create(
      {
        name: str(props.name),
        server_type: str(props.server_type),
        location: str(props.location),
        image: String(image),
        ...(sshKey === undefined ? {} : { ssh_keys: [String(sshKey)] }),
        ...(group === undefined ? {} : { placement_group: group }),
        labels: createLabels(ctx, props),
        public_net: { enable_ipv4: props.public_ipv4 !== false, enable_ipv6: props.public_ipv6 !== false },
        start_after_create: true,
      },
      ctx.address,
      { where: ctx.address, signal: ctx.run.signal },
    );
    await settle(ctx, Promise.resolve({ actions }));
    ctx.run.progress('created; attaching to the network');
    if (!resource.private_net.some((n) => n.network === refId(ctx, props.network)))
      await attach(ctx, resource.id, props);
    const protection = obj(props.protection);
    if (protection.delete === true || protection.rebuild === true)
      await protect(ctx, resource.id, protection);
    const server = await current(ctx, resource.id);
    if (props.rdns) await setRdns(ctx, server, obj(props.rdns));
    return record(ctx, server);
  },

  async update(ctx, action) {
    const id = Number(action.resourceId);
    const { before, after } = action;
    if (changed(before, after, 'server_type')) {
      ctx.run.progress(`changing type to ${str(after.server_type)}: powering off`);
      await settle(ctx, ctx.api.servers.poweroff(id, { where: ctx.address }));
      try {
        await settle(
          ctx,
          ctx.api.servers.changeType(
            id,
            { server_type: str(after.server_type), upgrade_disk: false },
            {
              where: ctx.address,
              verify: async () => (await current(ctx, id)).server_type.name === str(after.server_type),
            },
          ),
        );
      } catch (error) {
        // A failed change leaves the server as it was, and running: never a node left off.
        ctx.run.progress('the type change failed: powering the server on again');
        await settle(ctx, ctx.api.servers.poweron(id, { where: ctx.address })).catch(() => undefined);
        throw error;
      }
      ctx.run.progress(`type changed to ${str(after.server_type)}: powering on`);
      await settle(ctx, ctx.api.servers.poweron(id, { where: ctx.address }));
    }
    if (changed(before, after, 'network') || changed(before, after, 'subnet')) {
      const old = (await current(ctx, id)).private_net[0]?.network;
      if (old !== undefined) {
        const verify = async () => !(await current(ctx, id)).private_net.some((n) => n.network === old);
        await settle(
          ctx,
          ctx.api.servers.detachFromNetwork(id, { network: old }, { where: ctx.address, verify }),
        );
      }
      await attach(ctx, id, after);
    }
    if (changed(before, after, 'protection')) await protect(ctx, id, obj(after.protection));
    if (changed(before, after, 'power') && after.power === 'on' && !changed(before, after, 'server_type')) {
      ctx.run.progress('powering on');
      await settle(ctx, ctx.api.servers.poweron(id, { where: ctx.address }));
    }
    if (changed(before, after, 'name') || changed(before, after, 'labels')) {
      await ctx.api.servers.update(
        id,
        { name: str(after.name), labels: labelsOf(after.labels) },
        { where: ctx.address },
      );
    }
    const server = await current(ctx, id);
    if (changed(before, after, 'rdns') && after.rdns) await setRdns(ctx, server, obj(after.rdns));
    return record(ctx, server);
  },

  async delete(ctx, id, before) {
    const protection = obj(before.protection);
    if (protection.delete === true || protection.rebuild === true) {
      await protect(ctx, Number(id), { delete: false, rebuild: false });
    }
    await settle(ctx, ctx.api.servers.delete(Number(id), { where: ctx.address }));
  },

  async find(ctx) {
    const found = await findByAddress(ctx, (f) => ctx.api.servers.list(f));
    return found && record(ctx, found);
  },
};
