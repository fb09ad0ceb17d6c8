/**
 * Load balancers: services and targets are reconciled one by one (by listen port and by label
 * selector); type, algorithm, network, public interface and protection through their actions.
 */
import type { ResourceRecord } from '../../../execute/runner.js';
import type { Json, JsonObject } from '../../../plan/types.js';
import type { LoadBalancer, LoadBalancerApi } from '../../../providers/hcloud/index.js';
import type { Driver, DriverContext } from '../../types.js';
import { createLabels, findByAddress, refId, settle } from '../driver-kit.js';
import { changed, labelsOf, list, obj, str } from '../props.js';
import { oneOf } from './model.js';

type ServiceBody = Parameters<LoadBalancerApi['addService']>[1];
type TargetBody = Parameters<LoadBalancerApi['addTarget']>[1];

const ALGORITHMS = ['round_robin', 'least_connections'] as const;

function record(ctx: DriverContext, lb: LoadBalancer): ResourceRecord {
  return {
    address: ctx.address,
    type: 'load_balancer',
    id: String(lb.id),
    attrs: { name: lb.name, ipv4: lb.public_net.ipv4?.ip ?? null, private_ip: lb.private_net[0]?.ip ?? null },
  };
}

const num = (value: Json | undefined) => (typeof value === 'number' ? value : Number(value));

/** A service from props, as add_service and update_service take it. */
function serviceBody(s: JsonObject): ServiceBody {
  const check = obj(s.health_check);
  const http = check.http === undefined || check.http === null ? undefined : obj(check.http);
  return {
    protocol: oneOf(s.protocol, ['tcp', 'http', 'https'] as const, 'service protocol'),
    listen_port: num(s.listen_port),
    destination_port: num(s.destination_port),
    proxyprotocol: s.proxyprotocol === true,
    health_check: {
      protocol: oneOf(check.protocol, ['tcp', 'http'] as const, 'health check protocol'),
      port: num(check.port),
      interval: num(check.interval),
      timeout: num(check.timeout),
      retries: num(check.retries),
      ...(http
        ? {
            http: {
              domain: typeof http.domain === 'string' ? http.domain : null,
              path: str(http.path),
              status_codes: (Array.isArray(http.status_codes) ? http.status_codes : []).map((c) => str(c)),
              tls: http.tls === true,
            },
          }
        : {}),
    },
  };
}

function targetBody(t: JsonObject): TargetBody {
  return {
    type: 'label_selector',
    label_selector: { selector: str(t.label_selector) },
    use_private_ip: t.use_private_ip === true,
  };
}

/** Whether the load balancer, as it is now, satisfies `test` (for calls whose answer was lost). */
function lbHas(ctx: DriverContext, id: number, test: (lb: LoadBalancer) => boolean) {
  return async () => {
    const lb = await ctx.api.loadBalancers.get(id);
    return lb !== undefined && test(lb);
  };
}

async function syncServices(ctx: DriverContext, id: number, before: JsonObject[], after: JsonObject[]) {
  const byPort = (items: JsonObject[]) => new Map(items.map((s) => [Number(s.listen_port), s]));
  const old = byPort(before);
  const next = byPort(after);
  const hasPort = (port: number) => lbHas(ctx, id, (lb) => lb.services.some((x) => x.listen_port === port));
  for (const [port] of old) {
    if (next.has(port)) continue;
    const gone = hasPort(port);
    const verify = async () => !(await gone());
    await settle(
      ctx,
      ctx.api.loadBalancers.deleteService(id, { listen_port: port }, { where: ctx.address, verify }),
    );
  }
  for (const [port, service] of next) {
    const existing = old.get(port);
    if (!existing) {
      const verify = hasPort(port);
      await settle(
        ctx,
        ctx.api.loadBalancers.addService(id, serviceBody(service), { where: ctx.address, verify }),
      );
    } else if (JSON.stringify(existing) !== JSON.stringify(service)) {
      await settle(
        ctx,
        ctx.api.loadBalancers.updateService(id, serviceBody(service), { where: ctx.address }),
      );
    }
  }
}

async function syncTargets(ctx: DriverContext, id: number, before: JsonObject[], after: JsonObject[]) {
  const key = (t: JsonObject) => JSON.stringify([t.label_selector, t.use_private_ip]);
  const old = new Map(before.map((t) => [key(t), t]));
  const next = new Map(after.map((t) => [key(t), t]));
  const hasSelector = (selector: string) =>
    lbHas(ctx, id, (lb) => lb.targets.some((x) => x.label_selector?.selector === selector));
  for (const [k, t] of old) {
    if (next.has(k)) continue;
    const present = hasSelector(str(t.label_selector));
    const verify = async () => !(await present());
    await settle(ctx, ctx.api.loadBalancers.removeTarget(id, targetBody(t), { where: ctx.address, verify }));
  }
  for (const [k, t] of next) {
    if (old.has(k)) continue;
    const verify = hasSelector(str(t.label_selector));
    await settle(ctx, ctx.api.loadBalancers.addTarget(id, targetBody(t), { where: ctx.address, verify }));
  }
}

async function protect(ctx: DriverContext, id: number, on: boolean) {
  await settle(ctx, ctx.api.loadBalancers.changeProtection(id, { delete: on }, { where: ctx.address }));
}

export const loadBalancerDriver: Driver = {
  async create(ctx, props) {
    // Created without network and targets: it is attached at its reserved address first, so that
    // the private-IP targets never see it on an automatic one.
    const { resource, actions } = await ctx.api.loadBalancers.create(
      {
        name: str(props.name),
        load_balancer_type: str(props.load_balancer_type),
        location: str(props.location),
        algorithm: { type: oneOf(props.algorithm, ALGORITHMS, 'algorithm') },
        labels: createLabels(ctx, props),
        public_interface: props.public_interface !== false,
        services: list(props.services).map(serviceBody),
      },
      ctx.address,
      { where: ctx.address, signal: ctx.run.signal },
    );
    await settle(ctx, Promise.resolve({ actions }));
    const id = resource.id;
    const network = refId(ctx, props.network);
    if (network !== undefined && !resource.private_net.some((n) => n.network === network)) {
      await settle(
        ctx,
        ctx.api.loadBalancers.attachToNetwork(
          id,
          { network, ...(props.private_ip ? { ip: str(props.private_ip) } : {}) },
          {
            where: ctx.address,
            verify: async () =>
              ((await ctx.api.loadBalancers.get(id))?.private_net ?? []).some((n) => n.network === network),
          },
        ),
      );
    }
    await syncTargets(ctx, id, [], list(props.targets));
    if (obj(props.protection).delete === true) await protect(ctx, id, true);
    return record(ctx, (await ctx.api.loadBalancers.get(id, { where: ctx.address })) ?? resource);
  },

  async update(ctx, action) {
    const id = Number(action.resourceId);
    const { before, after } = action;
    if (changed(before, after, 'load_balancer_type')) {
      const type = str(after.load_balancer_type);
      const verify = lbHas(ctx, id, (lb) => lb.load_balancer_type.name === type);
      await settle(
        ctx,
        ctx.api.loadBalancers.changeType(id, { load_balancer_type: type }, { where: ctx.address, verify }),
      );
    }
    if (changed(before, after, 'algorithm')) {
      await settle(
        ctx,
        ctx.api.loadBalancers.changeAlgorithm(
          id,
          { type: oneOf(after.algorithm, ALGORITHMS, 'algorithm') },
          { where: ctx.address },
        ),
      );
    }
    if (changed(before, after, 'network') || changed(before, after, 'private_ip')) {
      const attachedTo = (network: number) =>
        lbHas(ctx, id, (lb) => lb.private_net.some((n) => n.network === network));
      const old = refId(ctx, before.network ?? null);
      if (old !== undefined) {
        const attached = attachedTo(old);
        const verify = async () => !(await attached());
        await settle(
          ctx,
          ctx.api.loadBalancers.detachFromNetwork(id, { network: old }, { where: ctx.address, verify }),
        );
      }
      const next = refId(ctx, after.network);
      if (next !== undefined) {
        const body = { network: next, ip: str(after.private_ip) };
        await settle(
          ctx,
          ctx.api.loadBalancers.attachToNetwork(id, body, { where: ctx.address, verify: attachedTo(next) }),
        );
      }
    }
    if (changed(before, after, 'public_interface')) {
      await settle(
        ctx,
        after.public_interface === false
          ? ctx.api.loadBalancers.disablePublicInterface(id, { where: ctx.address })
          : ctx.api.loadBalancers.enablePublicInterface(id, { where: ctx.address }),
      );
    }
    if (changed(before, after, 'services'))
      await syncServices(ctx, id, list(before.services), list(after.services));
    if (changed(before, after, 'targets'))
      await syncTargets(ctx, id, list(before.targets), list(after.targets));
    if (changed(before, after, 'protection')) await protect(ctx, id, obj(after.protection).delete === true);
    const updated = await ctx.api.loadBalancers.update(
      id,
      { name: str(after.name), labels: labelsOf(after.labels) },
      { where: ctx.address },
    );
    return record(ctx, updated);
  },

  async delete(ctx, id, before) {
    if (obj(before.protection).delete === true) await protect(ctx, Number(id), false);
    await settle(ctx, ctx.api.loadBalancers.delete(Number(id), { where: ctx.address }));
  },

  async find(ctx) {
    const found = await findByAddress(ctx, (f) => ctx.api.loadBalancers.list(f));
    return found && record(ctx, found);
  },
};
