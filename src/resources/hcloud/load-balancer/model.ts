/**
 * Load balancers: `load_balancer.kube-api` in front of the control planes' API servers and
 * `load_balancer.ingress` in front of the ingress node ports, both on the private network at a
 * reserved address. Desired shape, normalized observation and the service shape. Pure.
 */
import type { DesiredResource, Json, JsonObject } from '../../../plan/types.js';
import type { LoadBalancer } from '../../../providers/hcloud/index.js';
import type { AddressBook, ResourceRules } from '../../types.js';
import { kubeApiLoadBalancerPublic } from '../../../spec/endpoint.js';
import type { DesiredContext } from '../infra-spec.js';
import { addresses, LABEL_ROLE } from '../names.js';
import { desiredLabels, ref, refOrNull, stableLabels } from '../props.js';

export const loadBalancerRules: ResourceRules = {
  immutable: ['/location', '/network_zone'],
  createOnly: [],
  deleteRank: 0,
  drainBeforeDelete: false,
};

function lbDependsOn(ctx: DesiredContext): string[] {
  return [addresses.network, addresses.subnet(ctx.layout.subnets.loadBalancer)];
}

function kubeApi(ctx: DesiredContext): DesiredResource {
  const { spec } = ctx;
  const lb = spec.loadBalancers.kubeApi;
  const address = addresses.loadBalancer('kube-api');
  return {
    address,
    type: 'load_balancer',
    dependsOn: lbDependsOn(ctx),
    props: {
      name: `${spec.cluster.name}-kube-api`,
      load_balancer_type: lb.type,
      location: spec.controlPlane.pools[0]?.location ?? 'fsn1',
      algorithm: lb.algorithm,
      network: ref(addresses.network),
      private_ip: ctx.layout.kubeApiLbPrivateIp,
      public_interface: kubeApiLoadBalancerPublic(spec),
      labels: desiredLabels(ctx, address, { [LABEL_ROLE]: 'kube-api' }),
      protection: { delete: spec.cluster.deleteProtection },
      services: [
        {
          protocol: 'tcp',
          listen_port: 6443,
          destination_port: 6443,
          proxyprotocol: false,
          health_check: {
            protocol: 'http',
            port: 6443,
            interval: 3,
            timeout: 2,
            retries: 2,
            http: { domain: null, path: '/version', status_codes: ['401'], tls: true },
          },
        },
      ],
      targets: [
        {
          type: 'label_selector',
          label_selector: `hk8s.io/cluster=${spec.cluster.name},${LABEL_ROLE}=control-plane`,
          use_private_ip: true,
        },
      ],
    },
  };
}

function ingress(ctx: DesiredContext): DesiredResource {
  const { spec } = ctx;
  const lb = spec.loadBalancers.ingress;
  const address = addresses.loadBalancer('ingress');
  const check = {
    protocol: 'tcp',
    interval: lb.healthCheck.interval,
    timeout: lb.healthCheck.timeout,
    retries: lb.healthCheck.retries,
  };
  const service = (listen: number, target: number) => ({
    protocol: 'tcp',
    listen_port: listen,
    destination_port: target,
    proxyprotocol: true,
    health_check: { ...check, port: target },
  });
  return {
    address,
    type: 'load_balancer',
    dependsOn: lbDependsOn(ctx),
    props: {
      name: `${spec.cluster.name}-ingress`,
      load_balancer_type: lb.type,
      location: spec.workers.pools[0]?.location ?? spec.controlPlane.pools[0]?.location ?? 'fsn1',
      algorithm: lb.algorithm,
      network: ref(addresses.network),
      private_ip: ctx.layout.ingressLbPrivateIp,
      public_interface: lb.publicNetwork,
      labels: desiredLabels(ctx, address, { [LABEL_ROLE]: 'ingress' }),
      protection: { delete: spec.cluster.deleteProtection },
      services: [service(80, 30000), service(443, 30001)],
      targets: [
        {
          type: 'label_selector',
          label_selector: `hk8s.io/cluster=${spec.cluster.name},${LABEL_ROLE}=${spec.workers.pools.length > 0 ? 'worker' : 'control-plane'}`,
          use_private_ip: true,
        },
      ],
    },
  };
}

export function desiredLoadBalancers(ctx: DesiredContext): DesiredResource[] {
  const { loadBalancers } = ctx.spec;
  return [
    ...(loadBalancers.kubeApi.enabled ? [kubeApi(ctx)] : []),
    ...(loadBalancers.ingress.enabled ? [ingress(ctx)] : []),
  ];
}

type LbService = LoadBalancer['services'][number];

export function lbServiceProps(s: LbService): JsonObject {
  const check = s.health_check;
  const health: JsonObject = {
    protocol: check.protocol,
    port: check.port,
    interval: check.interval,
    timeout: check.timeout,
    retries: check.retries,
  };
  if (check.http) {
    health.http = {
      domain: check.http.domain ?? null,
      path: check.http.path,
      status_codes: [...(check.http.status_codes ?? [])],
      tls: check.http.tls ?? false,
    };
  }
  return {
    protocol: s.protocol,
    listen_port: s.listen_port,
    destination_port: s.destination_port,
    proxyprotocol: s.proxyprotocol,
    health_check: health,
  };
}

export function loadBalancerProps(lb: LoadBalancer, book: AddressBook): JsonObject {
  const privateNet = lb.private_net[0];
  return {
    name: lb.name,
    load_balancer_type: lb.load_balancer_type.name,
    location: lb.location.name,
    algorithm: lb.algorithm.type,
    network: refOrNull(book.addressOf('network', privateNet?.network)),
    private_ip: privateNet?.ip ?? null,
    public_interface: lb.public_net.enabled,
    labels: stableLabels(lb.labels),
    protection: { delete: lb.protection.delete },
    ...(lb.public_net.ipv4?.ip ? { ipv4: lb.public_net.ipv4.ip } : {}),
    services: lb.services.map(lbServiceProps).sort((a, b) => Number(a.listen_port) - Number(b.listen_port)),
    targets: lb.targets
      .filter((t) => t.type === 'label_selector')
      .map((t) => ({
        type: 'label_selector',
        label_selector: t.label_selector?.selector ?? '',
        use_private_ip: t.use_private_ip ?? false,
      })),
  };
}

/** A value of a closed set from props; anything else is a bug in the plan. */
export function oneOf<T extends string>(value: Json | undefined, allowed: readonly T[], what: string): T {
  const found = allowed.find((a) => a === value);
  if (found === undefined) throw new Error(`load balancer: unexpected ${what} ${JSON.stringify(value)}`);
  return found;
}
