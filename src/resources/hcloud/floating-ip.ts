/**
 * The control plane's public VIP (`floating_ip.control-plane`, `<cluster>-control-plane-ipv4`): a
 * floating IPv4 with its home in the first control plane's location, which Talos's VIP controller
 * assigns to the control plane that leads (hk8s never assigns it). With
 * `controlPlane.publicVipIpv4.existingId`, an existing floating IP is adopted instead: hk8s labels
 * it, and on delete gives it back (its hk8s labels removed) rather than deleting it.
 */
import { Hk8sError } from '../../errors.js';
import type { ResourceRecord } from '../../execute/runner.js';
import type { DesiredResource, JsonObject } from '../../plan/types.js';
import type { FloatingIp } from '../../providers/hcloud/index.js';
import { endpointSwitches } from '../../spec/endpoint.js';
import type { DriverContext, HcloudResourceModule } from '../types.js';
import { createLabels, findByAddress, settle } from './driver-kit.js';
import type { DesiredContext } from './infra-spec.js';
import { addresses, LABEL_ADDRESS, LABEL_ADOPTED, LABEL_CLUSTER, LABEL_ROLE } from './names.js';
import { desiredLabels, labelsOf, listed, obj, stableLabels, str } from './props.js';

function desired(ctx: DesiredContext): DesiredResource[] {
  const { spec } = ctx;
  if (!endpointSwitches(spec).publicVip) return [];
  const address = addresses.floatingIp;
  const existing = spec.controlPlane.publicVipIpv4.existingId;
  const labels = { [LABEL_ROLE]: 'control-plane', ...(existing ? { [LABEL_ADOPTED]: 'true' } : {}) };
  const props: JsonObject = {
    existing_id: existing ?? null,
    labels: desiredLabels(ctx, address, labels),
    protection: { delete: spec.cluster.deleteProtection },
  };
  // An adopted IP keeps its name, type and home: they are not hk8s's to choose.
  if (existing === undefined) {
    props.name = `${spec.cluster.name}-control-plane-ipv4`;
    props.type = 'ipv4';
    props.home_location = spec.controlPlane.pools[0]?.location ?? 'fsn1';
  }
  return [{ address, type: 'floating_ip', dependsOn: [], props }];
}

const HK8S_LABEL = /^hk8s\.io\//;

/** The labels that are not hk8s's: an adopted IP keeps them. */
function foreignLabels(labels: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).filter(([key]) => !HK8S_LABEL.test(key)));
}

export function floatingIpProps(f: FloatingIp): JsonObject {
  const adopted = f.labels[LABEL_ADOPTED] === 'true';
  const own = adopted
    ? Object.fromEntries(Object.entries(f.labels).filter(([key]) => HK8S_LABEL.test(key)))
    : f.labels;
  return {
    existing_id: adopted ? f.id : null,
    name: f.name,
    type: f.type,
    home_location: f.home_location.name,
    // Of an adopted IP only hk8s's labels are compared: the others stay its owner's.
    labels: stableLabels(own),
    protection: { delete: f.protection.delete },
    // Not desired (Talos decides where it goes): read by the planner for the endpoint.
    ip: f.ip,
  };
}

function record(ctx: DriverContext, f: FloatingIp): ResourceRecord {
  return {
    address: ctx.address,
    type: 'floating_ip',
    id: String(f.id),
    attrs: { name: f.name, ip: f.ip, adopted: f.labels[LABEL_ADOPTED] === 'true' },
  };
}

async function protect(ctx: DriverContext, id: number, on: boolean): Promise<void> {
  await settle(ctx, ctx.api.floatingIps.changeProtection(id, { delete: on }, { where: ctx.address }));
}

async function adopt(ctx: DriverContext, id: number, props: JsonObject): Promise<ResourceRecord> {
  const found = await ctx.api.floatingIps.get(id, { where: ctx.address });
  const where = 'controlPlane.publicVipIpv4.existingId';
  if (!found) {
    throw new Hk8sError('provider.api', `floating IP ${id} does not exist in this project`, {
      where,
      hint: 'Give the id of an existing floating IPv4 (`hcloud floating-ip list`), or remove existingId to let hk8s create one.',
    });
  }
  const owner = found.labels[LABEL_CLUSTER];
  const takenBy = found.labels[LABEL_ADDRESS];
  if ((owner !== undefined && owner !== labelsOf(props.labels)?.[LABEL_CLUSTER]) || found.type !== 'ipv4') {
    throw new Hk8sError('provider.api', `floating IP ${id} cannot be this cluster's public VIP`, {
      where,
      hint:
        found.type !== 'ipv4'
          ? 'It is an IPv6 floating IP; the control plane VIP is IPv4.'
          : `It belongs to cluster ${owner} (${takenBy ?? 'no address'}); choose another one.`,
    });
  }
  const labelled = await ctx.api.floatingIps.update(
    id,
    { labels: { ...found.labels, ...createLabels(ctx, props) } },
    { where: ctx.address },
  );
  if (obj(props.protection).delete === true && !labelled.protection.delete) await protect(ctx, id, true);
  return record(ctx, (await ctx.api.floatingIps.get(id, { where: ctx.address })) ?? labelled);
}

/** An adopted IP goes back as it was found, minus hk8s's labels. */
async function giveBack(ctx: DriverContext, id: number): Promise<void> {
  const found = await ctx.api.floatingIps.get(id, { where: ctx.address });
  if (!found) return;
  await ctx.api.floatingIps.update(id, { labels: foreignLabels(found.labels) }, { where: ctx.address });
}

export const floatingIp: HcloudResourceModule<'floating_ip'> = {
  type: 'floating_ip',
  rules: {
    immutable: ['/existing_id', '/type', '/home_location'],
    createOnly: [],
    // After the servers: once no control plane is left, no Talos assigns it again.
    deleteRank: 1,
    drainBeforeDelete: false,
  },
  desired,
  observe: {
    noun: 'floating IP',
    list: async (api, filter) =>
      (await api.floatingIps.list(filter)).map((f) => listed(f, () => floatingIpProps(f))),
  },
  driver: {
    async create(ctx, props) {
      if (typeof props.existing_id === 'number') return adopt(ctx, props.existing_id, props);
      const { resource, actions } = await ctx.api.floatingIps.create(
        {
          type: 'ipv4',
          home_location: str(props.home_location),
          name: str(props.name),
          description: 'Kubernetes API endpoint: Talos moves it to the leading control plane',
          labels: createLabels(ctx, props),
        },
        ctx.address,
        { where: ctx.address, signal: ctx.run.signal },
      );
      await settle(ctx, Promise.resolve({ actions }));
      if (obj(props.protection).delete === true) await protect(ctx, resource.id, true);
      return record(ctx, (await ctx.api.floatingIps.get(resource.id, { where: ctx.address })) ?? resource);
    },
    async update(ctx, action) {
      const id = Number(action.resourceId);
      const { before, after } = action;
      const protection = obj(after.protection).delete === true;
      if (protection !== (obj(before.protection).delete === true)) await protect(ctx, id, protection);
      const wanted = labelsOf(after.labels) ?? {};
      const adopted = wanted[LABEL_ADOPTED] === 'true';
      const current = adopted ? await ctx.api.floatingIps.get(id, { where: ctx.address }) : undefined;
      const labels = { ...foreignLabels(current?.labels ?? {}), ...wanted };
      const name = typeof after.name === 'string' ? { name: after.name } : {};
      return record(ctx, await ctx.api.floatingIps.update(id, { ...name, labels }, { where: ctx.address }));
    },
    async delete(ctx, id, before) {
      if (labelsOf(before.labels)?.[LABEL_ADOPTED] === 'true') return giveBack(ctx, Number(id));
      if (obj(before.protection).delete === true) await protect(ctx, Number(id), false);
      // Talos assigned it; Hetzner deletes only unassigned floating IPs.
      const found = await ctx.api.floatingIps.get(Number(id), { where: ctx.address });
      if (found?.server != null)
        await settle(ctx, ctx.api.floatingIps.unassign(Number(id), { where: ctx.address }));
      await settle(ctx, ctx.api.floatingIps.delete(Number(id), { where: ctx.address }));
    },
    async find(ctx) {
      const found = await findByAddress(ctx, (f) => ctx.api.floatingIps.list(f));
      return found && record(ctx, found);
    },
  },
};
