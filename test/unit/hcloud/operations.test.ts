import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { HcloudClient } from '../../../src/providers/hcloud/client.js';
import { HcloudStub } from '../../support/hcloud-stub.js';
import { clientFor } from './helpers.js';

let stub: HcloudStub;
beforeAll(async () => {
  stub = await HcloudStub.start();
});
afterAll(() => stub.close());
beforeEach(() => {
  stub.reset();
  stub.on('POST', '/{kind}/{id}/actions/{name}', (req) => ({
    status: 201,
    body: req.params.kind === 'firewalls' ? { actions: [{ id: 1 }, { id: 2 }] } : { action: { id: 1 } },
  }));
});

type Call = (c: HcloudClient) => Promise<{ actions: { id: number }[] }>;
const rules = {
  rules: [{ direction: 'in' as const, protocol: 'tcp' as const, port: '6443', source_ips: ['0.0.0.0/0'] }],
};
const service = {
  protocol: 'tcp' as const,
  listen_port: 6443,
  destination_port: 6443,
  proxyprotocol: false,
  health_check: { protocol: 'tcp' as const, port: 6443, interval: 15, timeout: 10, retries: 3 },
};

const actions: [string, Call, unknown][] = [
  [
    '/networks/3/actions/add_subnet',
    (c) => c.networks.addSubnet(3, { type: 'cloud', network_zone: 'eu-central', ip_range: '10.0.1.0/24' }),
    { type: 'cloud', network_zone: 'eu-central', ip_range: '10.0.1.0/24' },
  ],
  [
    '/networks/3/actions/delete_subnet',
    (c) => c.networks.deleteSubnet(3, { ip_range: '10.0.1.0/24' }),
    { ip_range: '10.0.1.0/24' },
  ],
  [
    '/networks/3/actions/add_route',
    (c) => c.networks.addRoute(3, { destination: '10.100.0.0/16', gateway: '10.0.1.1' }),
    { destination: '10.100.0.0/16', gateway: '10.0.1.1' },
  ],
  [
    '/networks/3/actions/delete_route',
    (c) => c.networks.deleteRoute(3, { destination: '10.100.0.0/16', gateway: '10.0.1.1' }),
    { destination: '10.100.0.0/16', gateway: '10.0.1.1' },
  ],
  [
    '/networks/3/actions/change_protection',
    (c) => c.networks.changeProtection(3, { delete: true }),
    { delete: true },
  ],
  ['/firewalls/4/actions/set_rules', (c) => c.firewalls.setRules(4, rules), rules],
  [
    '/firewalls/4/actions/apply_to_resources',
    (c) =>
      c.firewalls.applyToResources(4, {
        apply_to: [{ type: 'label_selector', label_selector: { selector: 'role=node' } }],
      }),
    { apply_to: [{ type: 'label_selector', label_selector: { selector: 'role=node' } }] },
  ],
  [
    '/firewalls/4/actions/remove_from_resources',
    (c) => c.firewalls.removeFromResources(4, { remove_from: [{ type: 'server', server: { id: 7 } }] }),
    { remove_from: [{ type: 'server', server: { id: 7 } }] },
  ],
  ['/servers/7/actions/poweron', (c) => c.servers.poweron(7), undefined],
  ['/servers/7/actions/poweroff', (c) => c.servers.poweroff(7), undefined],
  ['/servers/7/actions/shutdown', (c) => c.servers.shutdown(7), undefined],
  [
    '/servers/7/actions/change_type',
    (c) => c.servers.changeType(7, { server_type: 'cx32', upgrade_disk: false }),
    { server_type: 'cx32', upgrade_disk: false },
  ],
  [
    '/servers/7/actions/change_dns_ptr',
    (c) => c.servers.changeDnsPtr(7, { ip: '1.2.3.4', dns_ptr: 'cp-1.example.com' }),
    { ip: '1.2.3.4', dns_ptr: 'cp-1.example.com' },
  ],
  [
    '/servers/7/actions/change_protection',
    (c) => c.servers.changeProtection(7, { delete: true, rebuild: true }),
    { delete: true, rebuild: true },
  ],
  [
    '/servers/7/actions/attach_to_network',
    (c) => c.servers.attachToNetwork(7, { network: 3, ip: '10.0.1.5' }),
    { network: 3, ip: '10.0.1.5' },
  ],
  [
    '/servers/7/actions/detach_from_network',
    (c) => c.servers.detachFromNetwork(7, { network: 3 }),
    { network: 3 },
  ],
  ['/load_balancers/9/actions/add_service', (c) => c.loadBalancers.addService(9, service), service],
  [
    '/load_balancers/9/actions/update_service',
    (c) => c.loadBalancers.updateService(9, { listen_port: 6443, destination_port: 6443 }),
    { listen_port: 6443, destination_port: 6443 },
  ],
  [
    '/load_balancers/9/actions/delete_service',
    (c) => c.loadBalancers.deleteService(9, { listen_port: 6443 }),
    { listen_port: 6443 },
  ],
  [
    '/load_balancers/9/actions/add_target',
    (c) => c.loadBalancers.addTarget(9, { type: 'server', server: { id: 7 }, use_private_ip: true }),
    { type: 'server', server: { id: 7 }, use_private_ip: true },
  ],
  [
    '/load_balancers/9/actions/remove_target',
    (c) => c.loadBalancers.removeTarget(9, { type: 'server', server: { id: 7 } }),
    { type: 'server', server: { id: 7 } },
  ],
  [
    '/load_balancers/9/actions/attach_to_network',
    (c) => c.loadBalancers.attachToNetwork(9, { network: 3 }),
    { network: 3 },
  ],
  [
    '/load_balancers/9/actions/detach_from_network',
    (c) => c.loadBalancers.detachFromNetwork(9, { network: 3 }),
    { network: 3 },
  ],
  [
    '/load_balancers/9/actions/change_type',
    (c) => c.loadBalancers.changeType(9, { load_balancer_type: 'lb21' }),
    { load_balancer_type: 'lb21' },
  ],
  [
    '/load_balancers/9/actions/change_algorithm',
    (c) => c.loadBalancers.changeAlgorithm(9, { type: 'least_connections' }),
    { type: 'least_connections' },
  ],
  [
    '/load_balancers/9/actions/change_dns_ptr',
    (c) => c.loadBalancers.changeDnsPtr(9, { ip: '1.2.3.4', dns_ptr: 'api.example.com' }),
    { ip: '1.2.3.4', dns_ptr: 'api.example.com' },
  ],
  [
    '/load_balancers/9/actions/change_protection',
    (c) => c.loadBalancers.changeProtection(9, { delete: true }),
    { delete: true },
  ],
  [
    '/load_balancers/9/actions/enable_public_interface',
    (c) => c.loadBalancers.enablePublicInterface(9),
    undefined,
  ],
  [
    '/load_balancers/9/actions/disable_public_interface',
    (c) => c.loadBalancers.disablePublicInterface(9),
    undefined,
  ],
];

describe('resource actions', () => {
  it.each(actions)('POST %s', async (path, call, body) => {
    const { client } = clientFor(stub);
    const result = await call(client);
    expect(stub.requests.map((r) => `${r.method} ${r.path}`)).toEqual([`POST ${path}`]);
    expect(stub.requests[0]?.body).toEqual(body);
    expect(result.actions.length).toBeGreaterThan(0);
  });
});

const managed = [
  ['networks', 'network', (c: HcloudClient) => c.networks],
  ['firewalls', 'firewall', (c: HcloudClient) => c.firewalls],
  ['ssh_keys', 'ssh_key', (c: HcloudClient) => c.sshKeys],
  ['placement_groups', 'placement_group', (c: HcloudClient) => c.placementGroups],
  ['servers', 'server', (c: HcloudClient) => c.servers],
  ['load_balancers', 'load_balancer', (c: HcloudClient) => c.loadBalancers],
  ['volumes', 'volume', (c: HcloudClient) => c.volumes],
  ['certificates', 'certificate', (c: HcloudClient) => c.certificates],
] as const;

describe('create, get, update, delete', () => {
  it.each(managed)('%s', async (kind, singular, api) => {
    const resource = { id: 11, name: 'x', labels: { 'hk8s.io/address': `${singular}.x` } };
    stub.on('POST', `/${kind}`, { status: 201, body: { [singular]: resource, action: { id: 5 } } });
    stub.on('GET', `/${kind}/{id}`, { status: 200, body: { [singular]: resource } });
    stub.on('PUT', `/${kind}/{id}`, (req) => ({
      status: 200,
      body: { [singular]: { ...resource, ...(req.body as object) } },
    }));
    stub.on('DELETE', `/${kind}/{id}`, { status: 204 });
    const { client } = clientFor(stub);
    const ops = api(client);
    const created = await ops.create({ labels: resource.labels } as never, `${singular}.x`);
    expect(created.resource).toEqual(resource);
    expect(created.actions.map((a) => a.id)).toEqual([5]);
    expect(await ops.get(11)).toEqual(resource);
    const updated = await ops.update(11, { name: 'y', labels: { a: 'b' } });
    expect(updated).toMatchObject({ id: 11, name: 'y', labels: { a: 'b' } });
    expect(await ops.delete(11)).toEqual({ actions: [], verified: false });
    expect(stub.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `POST /${kind}`,
      `GET /${kind}/11`,
      `PUT /${kind}/11`,
      `DELETE /${kind}/11`,
    ]);
    expect(stub.requests[2]?.body).toEqual({ name: 'y', labels: { a: 'b' } });
  });
});
