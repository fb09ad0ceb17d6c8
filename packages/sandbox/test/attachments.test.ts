import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_CERT, TEST_KEY } from './fixtures.js';
import { createServer, startTestSandbox, type Json, type TestSandbox } from './helpers.js';

const TCP_CHECK = { protocol: 'tcp', port: 1, interval: 15, timeout: 10, retries: 3 };

let t: TestSandbox;
beforeAll(async () => {
  t = await startTestSandbox();
});
afterAll(async () => {
  await t.close();
});

const server = (name: string, extra: Record<string, unknown> = {}) => createServer(t.api, name, extra);

describe('primary and floating IPs', () => {
  it('creates, assigns (server off), unassigns and deletes primary IPs', async () => {
    const s = await server('pip-1', { public_net: { enable_ipv4: false, enable_ipv6: true } });
    expect(s.public_net.ipv4).toBeNull();
    const created = await t.api.post('/primary_ips', {
      name: 'ip-a',
      type: 'ipv4',
      assignee_type: 'server',
      location: 'fsn1',
    });
    expect(created.status).toBe(201);
    const ip = created.body.primary_ip;
    expect(ip).toMatchObject({ assignee_id: null, auto_delete: false });
    expect(ip.ip).toMatch(/^127\./);
    const on = await t.api.post(`/primary_ips/${ip.id}/actions/assign`, {
      assignee_id: s.id,
      assignee_type: 'server',
    });
    expect(on.body.error.code).toBe('server_not_stopped');
    await t.api.settle((await t.api.post(`/servers/${s.id}/actions/poweroff`)).body);
    await t.api.settle(
      (
        await t.api.post(`/primary_ips/${ip.id}/actions/assign`, {
          assignee_id: s.id,
          assignee_type: 'server',
        })
      ).body,
    );
    expect((await t.api.get(`/servers/${s.id}`)).body.server.public_net.ipv4.ip).toBe(ip.ip);
    expect((await t.api.delete(`/primary_ips/${ip.id}`)).body.error.code).toBe('must_be_unassigned');
    await t.api.settle((await t.api.post(`/primary_ips/${ip.id}/actions/unassign`)).body);
    await t.api.settle(
      (await t.api.post(`/primary_ips/${ip.id}/actions/change_protection`, { delete: true })).body,
    );
    expect((await t.api.delete(`/primary_ips/${ip.id}`)).body.error.code).toBe('protected');
    await t.api.settle(
      (await t.api.post(`/primary_ips/${ip.id}/actions/change_protection`, { delete: false })).body,
    );
    expect((await t.api.get(`/primary_ips?ip=${ip.ip}`)).body.primary_ips).toHaveLength(1);
    expect((await t.api.put(`/primary_ips/${ip.id}`, { name: 'ip-b' })).body.primary_ip.name).toBe('ip-b');
    expect((await t.api.delete(`/primary_ips/${ip.id}`)).status).toBe(204);
  });

  it('uses an explicit primary IP at server create and refuses one already assigned', async () => {
    const ip = (
      await t.api.post('/primary_ips', {
        name: 'ip-c',
        type: 'ipv4',
        assignee_type: 'server',
        location: 'fsn1',
      })
    ).body.primary_ip;
    const s = await server('pip-2', { public_net: { ipv4: ip.id } });
    expect(s.public_net.ipv4.id).toBe(ip.id);
    const again = await t.api.post('/servers', {
      name: 'pip-3',
      server_type: 'cpx11',
      image: 'debian-13',
      public_net: { ipv4: ip.id },
    });
    expect(again.body.error.code).toBe('primary_ip_assigned');
  });

  it('creates, assigns and deletes floating IPs', async () => {
    const s = await server('fip-1');
    const res = await t.api.post('/floating_ips', {
      type: 'ipv4',
      home_location: 'fsn1',
      name: 'fip',
      description: 'vip',
    });
    expect(res.status).toBe(201);
    const f = res.body.floating_ip;
    await t.api.settle((await t.api.post(`/floating_ips/${f.id}/actions/assign`, { server: s.id })).body);
    expect((await t.api.get(`/servers/${s.id}`)).body.server.public_net.floating_ips).toEqual([f.id]);
    const busy = await t.api.post(`/floating_ips/${f.id}/actions/assign`, { server: s.id });
    expect(busy.body.error.code).toBe('floating_ip_assigned');
    await t.api.settle((await t.api.post(`/floating_ips/${f.id}/actions/unassign`)).body);
    await t.api.settle(
      (
        await t.api.post(`/floating_ips/${f.id}/actions/change_dns_ptr`, {
          ip: f.ip,
          dns_ptr: 'vip.example.com',
        })
      ).body,
    );
    expect((await t.api.get(`/floating_ips/${f.id}`)).body.floating_ip.dns_ptr).toEqual([
      { ip: f.ip, dns_ptr: 'vip.example.com' },
    ]);
    expect(
      (await t.api.put(`/floating_ips/${f.id}`, { description: 'changed' })).body.floating_ip.description,
    ).toBe('changed');
    expect((await t.api.get('/floating_ips')).body.floating_ips).toHaveLength(1);
    expect((await t.api.delete(`/floating_ips/${f.id}`)).status).toBe(204);
  });

  it('moves an assigned floating IP to another server on assign', async () => {
    const a = await server('fip-a');
    const b = await server('fip-b');
    const f = (await t.api.post('/floating_ips', { type: 'ipv4', server: a.id })).body.floating_ip;
    expect(f.server).toBe(a.id);
    await t.api.settle((await t.api.post(`/floating_ips/${f.id}/actions/assign`, { server: b.id })).body);
    expect((await t.api.get(`/floating_ips/${f.id}`)).body.floating_ip.server).toBe(b.id);
    expect((await t.api.get(`/servers/${a.id}`)).body.server.public_net.floating_ips).toEqual([]);
    expect((await t.api.get(`/servers/${b.id}`)).body.server.public_net.floating_ips).toEqual([f.id]);
  });
});

describe('alias IPs', () => {
  it('replaces the alias list of an attached network and keeps addresses unique', async () => {
    const net = await t.api.post('/networks', {
      name: 'alias-net',
      ip_range: '10.1.0.0/16',
      subnets: [{ type: 'cloud', ip_range: '10.1.0.0/24', network_zone: 'eu-central' }],
    });
    const network = net.body.network.id;
    const a = await server('alias-a', { networks: [network] });
    const b = await server('alias-b', { networks: [network] });
    const change = (id: number, alias_ips: string[]) =>
      t.api.post(`/servers/${id}/actions/change_alias_ips`, { network, alias_ips });
    const set = await change(a.id, ['10.1.0.200', '10.1.0.201']);
    expect(set.status).toBe(201);
    expect(set.body.action.command).toBe('change_alias_ips');
    await t.api.settle(set.body);
    const seen = (await t.api.get(`/servers/${a.id}`)).body.server.private_net[0];
    expect(seen.alias_ips).toEqual(['10.1.0.200', '10.1.0.201']);
    expect((await change(b.id, ['10.1.0.200'])).body.error.code).toBe('ip_not_available');
    expect((await change(b.id, [b.private_net[0].ip])).body.error.code).toBe('ip_not_available');
    expect((await change(b.id, ['10.2.0.5'])).body.error.code).toBe('invalid_input');
    await t.api.settle((await change(a.id, ['10.1.0.201'])).body);
    await t.api.settle((await change(b.id, ['10.1.0.200'])).body);
    expect((await t.api.get(`/servers/${b.id}`)).body.server.private_net[0].alias_ips).toEqual([
      '10.1.0.200',
    ]);
    // A new server never gets an address that is someone's alias.
    const c = await server('alias-c', { networks: [network] });
    expect(['10.1.0.200', '10.1.0.201']).not.toContain(c.private_net[0].ip);
    const other = await t.api.post('/networks', { name: 'other-net', ip_range: '10.3.0.0/16' });
    expect(
      (
        await t.api.post(`/servers/${a.id}/actions/change_alias_ips`, {
          network: other.body.network.id,
          alias_ips: [],
        })
      ).body.error.code,
    ).toBe('server_not_attached_to_network');
  });
});

describe('volumes', () => {
  it('creates attached volumes, detaches, resizes and deletes them', async () => {
    const s = await server('vol-1');
    const res = await t.api.post('/volumes', {
      name: 'data',
      size: 10,
      server: s.id,
      format: 'ext4',
      automount: false,
    });
    expect(res.status).toBe(201);
    expect(res.body.volume.status).toBe('creating');
    expect(res.body.next_actions.map((a: Json) => a.command)).toEqual(['attach_volume']);
    await t.api.settle(res.body);
    const v = (await t.api.get(`/volumes/${res.body.volume.id}`)).body.volume;
    expect(v).toMatchObject({
      status: 'available',
      server: s.id,
      linux_device: `/dev/disk/by-id/scsi-0HC_Volume_${v.id}`,
    });
    expect((await t.api.get(`/servers/${s.id}`)).body.server.volumes).toEqual([v.id]);
    expect((await t.api.delete(`/volumes/${v.id}`)).body.error.code).toBe('resource_in_use');
    await t.api.settle((await t.api.post(`/volumes/${v.id}/actions/detach`)).body);
    await t.api.settle((await t.api.post(`/volumes/${v.id}/actions/resize`, { size: 20 })).body);
    const tooSmall = await t.api.post('/volumes', { name: 'tiny', size: 5, location: 'fsn1' });
    expect(tooSmall.body.error.code).toBe('invalid_input');
    await t.api.settle((await t.api.post(`/volumes/${v.id}/actions/attach`, { server: s.id })).body);
    await t.api.settle((await t.api.post(`/volumes/${v.id}/actions/detach`)).body);
    expect((await t.api.get('/volumes?status=available')).body.volumes[0].size).toBe(20);
    expect((await t.api.put(`/volumes/${v.id}`, { name: 'data2' })).body.volume.name).toBe('data2');
    expect((await t.api.delete(`/volumes/${v.id}`)).status).toBe(204);
  });
});

describe('certificates', () => {
  it('accepts an uploaded certificate with its key and issues managed ones', async () => {
    const up = await t.api.post('/certificates', {
      name: 'up',
      type: 'uploaded',
      certificate: TEST_CERT,
      private_key: TEST_KEY,
    });
    expect(up.status).toBe(201);
    expect(up.body.certificate.domain_names).toEqual(['sandbox.hk8s.test', 'www.sandbox.hk8s.test']);
    expect(up.body.certificate.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    const broken = await t.api.post('/certificates', {
      name: 'bad',
      certificate: 'nope',
      private_key: TEST_KEY,
    });
    expect(broken.body.error.details.fields[0].name).toBe('certificate');
    const managed = await t.api.post('/certificates', {
      name: 'managed',
      type: 'managed',
      domain_names: ['a.example.com'],
    });
    expect(managed.body.certificate.status.issuance).toBe('pending');
    await t.api.settle(managed.body);
    expect(
      (await t.api.get(`/certificates/${managed.body.certificate.id}`)).body.certificate.status.issuance,
    ).toBe('completed');
    expect((await t.api.get('/certificates?type=managed')).body.certificates).toHaveLength(1);
    expect(
      (await t.api.put(`/certificates/${up.body.certificate.id}`, { name: 'up2' })).body.certificate.name,
    ).toBe('up2');
    expect((await t.api.delete(`/certificates/${managed.body.certificate.id}`)).status).toBe(204);
  });
});

describe('load balancers', () => {
  it('creates a load balancer with services, targets and a network, and runs every action', async () => {
    const net = (
      await t.api.post('/networks', {
        name: 'lb-net',
        ip_range: '10.5.0.0/16',
        subnets: [{ type: 'cloud', network_zone: 'eu-central', ip_range: '10.5.0.0/24' }],
      })
    ).body.network;
    const cp = await server('lb-cp-1', { labels: { role: 'control-plane' }, networks: [net.id] });
    const worker = await server('lb-w-1', { networks: [net.id] });
    const res = await t.api.post('/load_balancers', {
      name: 'kube-api',
      load_balancer_type: 'lb11',
      location: 'fsn1',
      network: net.id,
      labels: { c: 'x' },
      services: [
        {
          protocol: 'tcp',
          listen_port: 6443,
          destination_port: 6443,
          proxyprotocol: false,
          health_check: { protocol: 'tcp', port: 6443, interval: 3, timeout: 2, retries: 2 },
        },
      ],
      targets: [
        { type: 'label_selector', label_selector: { selector: 'role=control-plane' }, use_private_ip: true },
      ],
    });
    expect(res.status).toBe(201);
    expect(res.body.action.command).toBe('create_load_balancer');
    const lb = res.body.load_balancer;
    expect(lb.public_net.ipv4.ip).toMatch(/^127\.\d+\.160\./);
    expect(lb.private_net[0].network).toBe(net.id);
    expect(lb.targets[0].targets).toEqual([
      expect.objectContaining({
        server: { id: cp.id },
        health_status: [{ listen_port: 6443, status: 'healthy' }],
      }),
    ]);
    await t.api.settle(res.body);
    const id = lb.id;
    const act = async (path: string, body?: unknown) => {
      const r = await t.api.post(`/load_balancers/${id}/actions/${path}`, body);
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      await t.api.settle(r.body);
    };
    const dupPort = await t.api.post(`/load_balancers/${id}/actions/add_service`, {
      protocol: 'tcp',
      listen_port: 6443,
      destination_port: 1,
      proxyprotocol: false,
      health_check: TCP_CHECK,
    });
    expect(dupPort.body.error.code).toBe('source_port_already_used');
    await act('add_service', {
      protocol: 'http',
      listen_port: 80,
      destination_port: 8080,
      proxyprotocol: false,
      health_check: {
        protocol: 'http',
        port: 8080,
        interval: 15,
        timeout: 10,
        retries: 3,
        http: { domain: null, path: '/healthz' },
      },
    });
    await act('update_service', { listen_port: 80, destination_port: 8081 });
    await act('add_target', { type: 'server', server: { id: worker.id }, use_private_ip: true });
    const dupTarget = await t.api.post(`/load_balancers/${id}/actions/add_target`, {
      type: 'server',
      server: { id: worker.id },
    });
    expect(dupTarget.body.error.code).toBe('target_already_defined');
    await act('add_target', { type: 'ip', ip: { ip: '203.0.113.7' } });
    await act('change_algorithm', { type: 'least_connections' });
    await act('change_type', { load_balancer_type: 'lb21' });
    await act('change_dns_ptr', { ip: lb.public_net.ipv4.ip, dns_ptr: 'api.example.com' });
    await act('change_protection', { delete: true });
    await act('disable_public_interface');
    let got = (await t.api.get(`/load_balancers/${id}`)).body.load_balancer;
    expect(got).toMatchObject({
      algorithm: { type: 'least_connections' },
      load_balancer_type: { name: 'lb21' },
      public_net: { enabled: false, ipv4: { dns_ptr: 'api.example.com' } },
      protection: { delete: true },
    });
    expect(got.services.find((s: Json) => s.listen_port === 80).destination_port).toBe(8081);
    expect(got.targets).toHaveLength(3);
    expect((await t.api.get(`/servers/${worker.id}`)).body.server.load_balancers).toEqual([id]);
    const detachRefused = await t.api.post(`/load_balancers/${id}/actions/detach_from_network`, {
      network: net.id,
    });
    expect(detachRefused.body.error.code).toBe('load_balancer_public_interface_disabled');
    await act('enable_public_interface');
    await act('delete_service', { listen_port: 80 });
    await act('remove_target', { type: 'server', server: { id: worker.id } });
    await act('remove_target', {
      type: 'label_selector',
      label_selector: { selector: 'role=control-plane' },
    });
    await act('detach_from_network', { network: net.id });
    await act('attach_to_network', { network: net.id, ip: '10.5.0.254' });
    got = (await t.api.get(`/load_balancers/${id}`)).body.load_balancer;
    expect(got.private_net).toEqual([{ network: net.id, ip: '10.5.0.254' }]);
    expect(got.services.map((s: Json) => s.listen_port)).toEqual([6443]);
    expect((await t.api.delete(`/load_balancers/${id}`)).body.error.code).toBe('protected');
    await act('change_protection', { delete: false });
    expect((await t.api.put(`/load_balancers/${id}`, { name: 'kube-api-2' })).body.load_balancer.name).toBe(
      'kube-api-2',
    );
    expect((await t.api.get('/load_balancers?name=kube-api-2')).body.load_balancers).toHaveLength(1);
    expect((await t.api.get(`/load_balancers/${id}/actions`)).body.actions.length).toBeGreaterThan(10);
    expect((await t.api.delete(`/load_balancers/${id}`)).status).toBe(204);
  });

  it('refuses private targets when the load balancer has no network', async () => {
    const s = await server('lb-np-1');
    const res = await t.api.post('/load_balancers', {
      name: 'no-net',
      load_balancer_type: 'lb11',
      network_zone: 'eu-central',
      targets: [{ type: 'server', server: { id: s.id }, use_private_ip: true }],
    });
    expect(res.body.error.code).toBe('load_balancer_not_attached_to_network');
  });
});
