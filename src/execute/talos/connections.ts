/**
 * Talos API sessions for one action: an admin client certificate issued from the cluster's OS CA,
 * one mTLS client per node, insecure clients only for maintenance mode, and the polling loops that
 * wait for nodes to come up.
 */
import { Hk8sError } from '../../errors.js';
import type { TalosNode } from '../../plan/talos/nodes.js';
import { createTalosClient, TalosApiError } from '../../providers/talos/client/index.js';
import type { TalosClient } from '../../providers/talos/client/index.js';
import { AdminCertificates } from './admin-cert.js';
import type { CertAndKey, TalosSecrets } from '../../talos/secrets-types.js';
import { InterruptedError, type RunContext } from '../runner.js';
import { etcdMembershipProblem } from '../../talos/etcd-membership.js';
import { probeMaintenance } from './maintenance.js';

export { REAL_TIMING, scaledTiming, type TalosTiming } from './timing.js';
import type { TalosTiming } from './timing.js';

/**
 * How long a node must refuse both maintenance mode and our CA before we say it is foreign: a node
 * still booting (or a busy machine) can fail both ways for a while.
 */
const FOREIGN_AFTER_MS = 15_000;

/** The node answers over TLS with a certificate from another CA: it belongs to other secrets. */
function isForeignCertificate(error: unknown): boolean {
  return (
    error instanceof Error &&
    /certificate signature failure|unknown ca|self.signed|unable to verify/i.test(error.message)
  );
}

function foreignNode(endpoint: string): Hk8sError {
  return new Hk8sError(
    'state.foreign-node',
    'the node already runs Talos with a certificate authority this state does not have',
    {
      where: endpoint,
      hint:
        "Its cluster was created with other secrets (a lost or different .hk8s/ state?): restore that state's " +
        'event log, or `hk8s destroy` the servers and apply again.',
    },
  );
}

export class TalosConnections {
  private readonly clients = new Map<string, TalosClient>();

  constructor(
    private readonly secrets: TalosSecrets,
    private readonly port: number,
    private readonly timing: TalosTiming,
    private readonly ctx: RunContext,
    /** Shared by a run's actions (TalosAccess); a new one for a connection set on its own. */
    private readonly admins: AdminCertificates = new AdminCertificates(),
  ) {}

  private admin(): Promise<CertAndKey> {
    return this.admins.for(this.secrets.certs.os);
  }

  private endpoint(ip: string): string {
    return `${ip}:${this.port}`;
  }

  private async secure(ip: string): Promise<TalosClient> {
    const cert = await this.admin();
    const known = this.clients.get(`mtls ${ip}`);
    if (known) return known;
    const client = createTalosClient({
      endpoint: this.endpoint(ip),
      mode: 'mtls',
      ca: this.secrets.certs.os.crt,
      cert: cert.crt,
      key: cert.key,
      retry: { attempts: 1 },
    });
    this.clients.set(`mtls ${ip}`, client);
    return client;
  }

  private insecure(ip: string): TalosClient {
    const known = this.clients.get(`insecure ${ip}`);
    if (known) return known;
    const client = createTalosClient({
      endpoint: this.endpoint(ip),
      mode: 'insecure',
      retry: { attempts: 1 },
    });
    this.clients.set(`insecure ${ip}`, client);
    return client;
  }

  private get call() {
    return { timeoutMs: this.timing.callTimeoutMs };
  }

  private async sleep(): Promise<void> {
    if (this.ctx.signal.aborted) throw new InterruptedError();
    await new Promise((resolve) => setTimeout(resolve, this.timing.pollMs));
  }

  /** Polls `probe` until it returns true or the time is up. */
  private async until(
    what: string,
    ip: string,
    timeoutMs: number,
    probe: () => Promise<boolean>,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    for (;;) {
      try {
        if (await probe()) return;
      } catch (error) {
        if (error instanceof Hk8sError && error.code === 'state.foreign-node') throw error;
        last = error;
      }
      if (Date.now() > deadline) {
        const why = last instanceof Error ? ` (last error: ${last.message})` : '';
        throw new Hk8sError('provider.unreachable', `timed out waiting for ${what}${why}`, {
          where: this.endpoint(ip),
          hint: 'Check that the server runs and that the firewall lets this machine reach port 50000, then `hk8s resume`.',
        });
      }
      await this.sleep();
    }
  }

  /** The first config: in maintenance mode over plain TLS; over mTLS if the node already has one. */
  async applyInitial(ip: string, yaml: string): Promise<void> {
    const maintenance = this.insecure(ip);
    const secure = await this.secure(ip);
    this.ctx.progress(`waiting for ${ip} to answer in maintenance mode`);
    let foreignSince: number | undefined;
    await this.until('the node in maintenance mode', ip, this.timing.maintenanceTimeoutMs, async () => {
      const probe = await probeMaintenance(maintenance, this.call);
      if (probe.kind === 'maintenance') {
        await maintenance.applyConfiguration({ data: yaml }, this.call);
        return true;
      }
      // A node that already took a config (a resumed run) answers only over mTLS.
      // A node still booting can fail both ways once; only a steady refusal means a foreign node.
      await secure.version(this.call).catch((error: unknown) => {
        if (!isForeignCertificate(error)) foreignSince = undefined;
        else foreignSince ??= Date.now();
        if (foreignSince !== undefined && Date.now() - foreignSince >= FOREIGN_AFTER_MS) {
          throw foreignNode(this.endpoint(ip));
        }
        throw error;
      });
      foreignSince = undefined;
      await secure.applyConfiguration({ data: yaml, mode: 'AUTO' }, this.call);
      return true;
    });
    this.ctx.progress('config applied; waiting for the node to install and boot');
    await this.until('the node to install Talos and boot', ip, this.timing.installTimeoutMs, async () => {
      await secure.version(this.call);
      return true;
    });
  }

  async applyUpdate(
    ip: string,
    yaml: string,
    mode: 'no-reboot' | 'staged' | 'reboot',
    role: TalosNode['role'],
  ): Promise<void> {
    const secure = await this.secure(ip);
    const wire = { 'no-reboot': 'NO_REBOOT', staged: 'STAGED', reboot: 'REBOOT' } as const;
    await secure.applyConfiguration({ data: yaml, mode: wire[mode] }, this.call);
    if (mode !== 'reboot') return;
    this.ctx.progress('rebooting; waiting for the node to come back');
    await this.sleep();
    await this.until('the node to come back after its reboot', ip, this.timing.installTimeoutMs, async () => {
      await secure.version(this.call);
      if (role === 'controlplane') return (await secure.etcdMemberList({}, this.call)).length > 0;
      return true;
    });
  }

  async etcdFormed(ip: string): Promise<boolean> {
    const secure = await this.secure(ip);
    return (await secure.etcdMemberList({}, this.call)).length > 0;
  }

  /** Bootstrap, unless etcd already runs (a resumed run whose Bootstrap took effect). */
  async bootstrapOnce(ip: string): Promise<void> {
    if (await this.etcdFormed(ip).catch(() => false)) return;
    const secure = await this.secure(ip);
    try {
      await secure.bootstrap({}, this.call);
    } catch (error) {
      if (error instanceof TalosApiError && error.grpcStatus === 'ALREADY_EXISTS') return;
      throw error;
    }
  }

  async waitHealthy(nodes: readonly TalosNode[]): Promise<void> {
    const controlPlanes = nodes.filter((n) => n.role === 'controlplane');
    const first = controlPlanes[0];
    if (!first) return;
    const ipOf = (server: string) => {
      const ip = this.ctx.recordOf(server)?.attrs.ipv4;
      if (typeof ip !== 'string') throw new Error(`${server} has no public IPv4 recorded`);
      return ip;
    };
    const firstIp = ipOf(first.server);
    this.ctx.progress(`waiting for ${controlPlanes.length} etcd member(s) and ${nodes.length} node(s)`);
    await this.until('a healthy cluster', firstIp, this.timing.healthTimeoutMs, async () => {
      const members = await (await this.secure(firstIp)).etcdMemberList({}, this.call);
      const problem = etcdMembershipProblem(
        members,
        controlPlanes.map((n) => n.hostname),
      );
      if (problem) throw new Error(problem);
      for (const node of nodes) await (await this.secure(ipOf(node.server))).version(this.call);
      return true;
    });
  }

  async kubeconfig(ip: string): Promise<string> {
    return (await this.secure(ip)).kubeconfig(this.call);
  }

  /** An os:admin client of the node at this IPv4, for calls these sessions do not wrap (etcd membership). */
  adminClient(ip: string): Promise<TalosClient> {
    return this.secure(ip);
  }

  /** The admin mTLS client of one node, for runners that drive a node step by step (upgrades). */
  client(ip: string): Promise<TalosClient> {
    return this.secure(ip);
  }

  /**
   * A new admin client on a new channel, for polling a node that is rebooting: a channel that saw
   * the node go away waits out its reconnect backoff, a new one dials at once. The caller closes it.
   */
  async fresh(ip: string): Promise<TalosClient> {
    const cert = await this.admin();
    return createTalosClient({
      endpoint: this.endpoint(ip),
      mode: 'mtls',
      ca: this.secrets.certs.os.crt,
      cert: cert.crt,
      key: cert.key,
      retry: { attempts: 1 },
    });
  }

  get timings(): TalosTiming {
    return this.timing;
  }

  close(): void {
    for (const client of this.clients.values()) client.close();
    this.clients.clear();
  }
}
