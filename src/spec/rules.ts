/**
 * Rules that span fields, checked after every field has its own shape. Each reports the path of the
 * field to fix and a message that says what is allowed.
 */
import { LOCATION_ZONES } from './sections/common.js';
import { addonEnabled } from './sections/addons.js';
import { formatCidr } from './cidr.js';
import { endpointSwitches } from './endpoint.js';
import { planAddresses } from './network.js';
import type { Spec } from './schema.js';
import { checkVersions } from './version-rules.js';

export type Report = (path: PropertyKey[], message: string) => void;

const MAX_CONTROL_PLANES = 9;
const MAX_SERVERS = 100;
const MAX_NAME_LENGTH = 56;

export function checkSpecRules(spec: Spec, report: Report): void {
  checkPools(spec, report);
  checkNetwork(spec, report);
  checkFirewall(spec, report);
  checkLoadBalancers(spec, report);
  checkAutoscaler(spec, report);
  checkTalos(spec, report);
  checkVersions(spec, report);
  checkKubernetes(spec, report);
  // bareMetal.pools is refused as not supported yet by support.ts, with the other such fields.
  if (
    spec.controlPlane.publicVipIpv4.existingId !== undefined &&
    spec.controlPlane.publicVipIpv4.enabled === false
  ) {
    report(['controlPlane', 'publicVipIpv4', 'enabled'], 'must be true when existingId is set');
  }
  checkEndpoint(spec, report);
}

interface NamedPool {
  name: string;
  path: PropertyKey[];
  location?: string;
}

function nodePools(spec: Spec): NamedPool[] {
  return [
    ...spec.controlPlane.pools.map((pool, index) => ({ ...pool, path: ['controlPlane', 'pools', index] })),
    ...spec.workers.pools.map((pool, index) => ({ ...pool, path: ['workers', 'pools', index] })),
    ...spec.autoscaler.pools.map((pool, index) => ({ ...pool, path: ['autoscaler', 'pools', index] })),
    ...spec.bareMetal.pools.map((pool, index) => ({ name: pool.name, path: ['bareMetal', 'pools', index] })),
  ];
}

function pathText(path: PropertyKey[]): string {
  return path
    .map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`))
    .join('')
    .slice(1);
}

function checkUniqueNames(pools: NamedPool[], what: string, report: Report): void {
  const seen = new Map<string, PropertyKey[]>();
  for (const pool of pools) {
    const first = seen.get(pool.name);
    if (first) {
      report([...pool.path, 'name'], `pool name ${pool.name} is already used by ${pathText(first)}; ${what}`);
    } else {
      seen.set(pool.name, pool.path);
    }
  }
}

function checkPools(spec: Spec, report: Report): void {
  const pools = nodePools(spec);
  checkUniqueNames(
    pools,
    'pool names must be unique across control-plane, worker, autoscaler and bare-metal pools',
    report,
  );
  for (const pool of pools) {
    const length = spec.cluster.name.length + pool.name.length;
    if (length > MAX_NAME_LENGTH) {
      report(
        [...pool.path, 'name'],
        `cluster name and pool name together must be at most ${MAX_NAME_LENGTH} characters (servers are named <cluster>-<pool>-<n>); they are ${length}`,
      );
    }
  }
  const controlPlanes = spec.controlPlane.pools.reduce((sum, pool) => sum + pool.count, 0);
  // An even count is a plan-time refusal that `--force` lifts (src/plan/talos/quorum.ts), not a spec error.
  if (controlPlanes < 1 || controlPlanes > MAX_CONTROL_PLANES) {
    report(
      ['controlPlane', 'pools'],
      `total control-plane count must be between 1 and ${MAX_CONTROL_PLANES} (odd: 1, 3, 5, 7 or 9, unless planned with --force); it is ${controlPlanes}`,
    );
  }
  const workers = spec.workers.pools.reduce((sum, pool) => sum + pool.count, 0);
  if (controlPlanes + workers > MAX_SERVERS) {
    report(
      ['workers', 'pools'],
      `control planes and workers together must be at most ${MAX_SERVERS} servers; they are ${controlPlanes + workers}`,
    );
  }
  const first = spec.controlPlane.pools[0];
  const zone = spec.network.zone ?? (first ? LOCATION_ZONES[first.location] : undefined);
  const zoneSource = spec.network.zone ? 'network.zone' : 'controlPlane.pools[0].location';
  const located: NamedPool[] = [
    ...pools,
    ...spec.loadBalancers.ingress.pools.map((pool, index) => ({
      ...pool,
      path: ['loadBalancers', 'ingress', 'pools', index],
    })),
  ];
  for (const pool of located) {
    if (!pool.location || !zone) continue;
    const poolZone = LOCATION_ZONES[pool.location as keyof typeof LOCATION_ZONES];
    if (poolZone !== zone) {
      report(
        [...pool.path, 'location'],
        `location ${pool.location} is in network zone ${poolZone}, but the cluster network is in ${zone} (from ${zoneSource}); use a location in ${zone}`,
      );
    }
  }
}

function checkNetwork(spec: Spec, report: Report): void {
  const result = planAddresses(spec.network);
  if (!result.ok) {
    report(['network', result.field], result.message);
    return;
  }
  const slots = new Set(result.plan.pinnedSlots.map(formatCidr));
  const used = new Map<string, string>();
  const pinned = [
    ...spec.workers.pools.map((pool, index) => ({
      subnet: pool.subnet,
      path: ['workers', 'pools', index, 'subnet'],
    })),
    ...spec.autoscaler.pools.map((pool, index) => ({
      subnet: pool.subnet,
      path: ['autoscaler', 'pools', index, 'subnet'],
    })),
  ];
  const slotList = result.plan.pinnedSlots;
  const range =
    slotList.length > 0
      ? `${formatCidr(slotList[0]!)} … ${formatCidr(slotList[slotList.length - 1]!)}`
      : 'none';
  for (const { subnet, path } of pinned) {
    if (subnet === undefined) continue;
    if (!slots.has(subnet)) {
      report(path, `must be one of the reserved pinned subnets (${range}); omit it to use the shared subnet`);
    } else if (used.has(subnet)) {
      report(
        path,
        `subnet ${subnet} is already used by ${used.get(subnet)}; pinned subnets cannot be shared`,
      );
    } else {
      used.set(subnet, pathText(path));
    }
  }
}

const PORT_PATTERN = /^(\d{1,5})(?:-(\d{1,5}))?$/;

function isValidPort(port: string): boolean {
  if (port === 'any') return true;
  const match = PORT_PATTERN.exec(port);
  if (!match) return false;
  const start = Number(match[1]);
  const end = match[2] === undefined ? start : Number(match[2]);
  return start >= 1 && end <= 65535 && start <= end;
}

function checkFirewall(spec: Spec, report: Report): void {
  spec.firewall.extraRules.forEach((rule, index) => {
    const path = ['firewall', 'extraRules', index];
    const needsPort = rule.protocol === 'tcp' || rule.protocol === 'udp';
    if (needsPort && rule.port === undefined) {
      report([...path, 'port'], `a ${rule.protocol} rule needs a port (80, 30000-32767 or any)`);
    } else if (!needsPort && rule.port !== undefined) {
      report([...path, 'port'], `a ${rule.protocol} rule cannot have a port; remove it`);
    } else if (rule.port !== undefined && !isValidPort(rule.port)) {
      report([...path, 'port'], 'must be a port 1-65535, a range like 30000-32767, or any');
    }
    if (rule.direction === 'in' && rule.destinationIps.length > 0) {
      report([...path, 'destinationIps'], 'an in rule takes only sourceIps; remove destinationIps');
    }
    if (rule.direction === 'out' && rule.sourceIps.length > 0) {
      report([...path, 'sourceIps'], 'an out rule takes only destinationIps; remove sourceIps');
    }
  });
}

function checkHealthCheck(
  check: { interval: number; timeout: number },
  path: PropertyKey[],
  report: Report,
): void {
  if (check.timeout > check.interval) {
    report([...path, 'timeout'], `must be at most the interval (${check.interval}); it is ${check.timeout}`);
  }
}

function checkLoadBalancers(spec: Spec, report: Report): void {
  const ingress = spec.loadBalancers.ingress;
  checkHealthCheck(ingress.healthCheck, ['loadBalancers', 'ingress', 'healthCheck'], report);
  checkUniqueNames(
    ingress.pools.map((pool, index) => ({
      name: pool.name,
      path: ['loadBalancers', 'ingress', 'pools', index],
    })),
    'ingress load-balancer pool names must be unique',
    report,
  );
}

function checkAutoscaler(spec: Spec, report: Report): void {
  const autoscaler = spec.autoscaler;
  if (autoscaler.pools.length > 0 && !autoscaler.enabled) {
    report(['autoscaler', 'enabled'], 'must be true when autoscaler pools are listed');
  }
  autoscaler.pools.forEach((pool, index) => {
    if (pool.max < pool.min) {
      report(['autoscaler', 'pools', index, 'max'], `must be at least min (${pool.min}); it is ${pool.max}`);
    }
  });
}

function checkTalos(spec: Spec, report: Report): void {
  const seen = new Set<string>();
  spec.talos.kubeletExtraMounts.forEach((mount, index) => {
    const destination = mount.destination ?? mount.source;
    const path = ['talos', 'kubeletExtraMounts', index, 'destination'];
    if (seen.has(destination)) report(path, `destination ${destination} is mounted twice`);
    seen.add(destination);
    if (destination === '/var/lib/longhorn' && addonEnabled(spec.addons, 'longhorn', false)) {
      report(path, '/var/lib/longhorn is mounted by the longhorn addon already');
    }
  });
}

function checkKubernetes(spec: Spec, report: Report): void {
  const oidc = spec.kubernetes.oidc;
  if (oidc.enabled) {
    if (!oidc.issuerUrl) report(['kubernetes', 'oidc', 'issuerUrl'], 'is required when oidc is enabled');
    if (!oidc.clientId) report(['kubernetes', 'oidc', 'clientId'], 'is required when oidc is enabled');
  }
  const groups = new Set<string>();
  oidc.groupMappings.forEach((mapping, index) => {
    if (groups.has(mapping.group)) {
      report(
        ['kubernetes', 'oidc', 'groupMappings', index, 'group'],
        `group ${mapping.group} is mapped twice`,
      );
    }
    groups.add(mapping.group);
  });
  const roles = new Set<string>();
  spec.kubernetes.rbac.roles.forEach((role, index) => {
    const key = `${role.namespace}/${role.name}`;
    if (roles.has(key))
      report(['kubernetes', 'rbac', 'roles', index, 'name'], `role ${key} is defined twice`);
    roles.add(key);
  });
  const clusterRoles = new Set<string>();
  spec.kubernetes.rbac.clusterRoles.forEach((role, index) => {
    if (clusterRoles.has(role.name)) {
      report(
        ['kubernetes', 'rbac', 'clusterRoles', index, 'name'],
        `cluster role ${role.name} is defined twice`,
      );
    }
    clusterRoles.add(role.name);
  });
  checkAccessApplied(spec, report);
}

/** The roles and the OIDC group bindings are rendered by the rbac addon: refused when it is off. */
function checkAccessApplied(spec: Spec, report: Report): void {
  const { oidc, rbac } = spec.kubernetes;
  if (addonEnabled(spec.addons, 'rbac', true)) return;
  const used: Array<[PropertyKey[], boolean]> = [
    [['kubernetes', 'oidc', 'groupMappings'], oidc.groupMappings.length > 0],
    [['kubernetes', 'rbac', 'roles'], rbac.roles.length > 0],
    [['kubernetes', 'rbac', 'clusterRoles'], rbac.clusterRoles.length > 0],
  ];
  for (const [path, set] of used) {
    if (set) report(path, 'is rendered by the rbac addon, which is disabled; set addons.rbac.enabled: true');
  }
}
/** A floating IP arrives on a server's public interface: every control plane needs one. */
function checkEndpoint(spec: Spec, report: Report): void {
  if (!endpointSwitches(spec).publicVip) return;
  spec.controlPlane.pools.forEach((pool, index) => {
    if ((pool.publicIpv4 ?? spec.talos.publicIpv4) === false) {
      report(
        ['controlPlane', 'pools', index, 'publicIpv4'],
        'the public VIP (controlPlane.publicVipIpv4) is a floating IPv4, which only reaches servers with a public IPv4; enable it or set controlPlane.publicVipIpv4.enabled: false',
      );
    }
  });
}
