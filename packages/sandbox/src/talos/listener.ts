/**
 * The gRPC listener of one simulated node, replaced whenever the node's identity changes. Changes
 * are serialized, so a listener is always closed before the next one binds the same address.
 */
import type { Server } from '@grpc/grpc-js';
import { startNodeServer } from './grpc-server.js';
import type { SimNode } from './node.js';
import { issueServerCert, loadCa, selfSignedServerCert, type IssuedPair } from './pki.js';

/** Time between answering a call that takes the node down and actually going down. */
export const GOING_DOWN_MS = 50;

export class NodeListener {
  private server: Server | null = null;
  private ops: Promise<void> = Promise.resolve();
  private generation = 0;
  /** Changes queued and not yet done: while any is, the open server may be about to go. */
  private queued = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private maintenanceCert: IssuedPair | undefined;

  constructor(private readonly node: SimNode) {}

  /** Listening, with no change pending that would take this server down. */
  get open(): boolean {
    return this.server !== null && this.queued === 0;
  }

  /** Resolves when every queued change is done. */
  settled(): Promise<void> {
    return this.ops;
  }

  cancelRetry(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  /** Serialized: bring the listener down, or (re)start it with maintenance or mTLS credentials. */
  set(target: 'down' | 'maintenance' | 'running', delayMs: number): void {
    const generation = ++this.generation;
    this.queued++;
    this.ops = this.ops
      .then(async () => {
        if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
        if (generation !== this.generation && target === 'down') return;
        await this.closeServer();
        if (target === 'down' || generation !== this.generation || this.node.disposed) return;
        await this.openServer(target, generation);
      })
      .catch((error: unknown) => {
        this.node.env.log(`talos: node ${this.node.record.name}: listener: ${(error as Error).message}`);
      })
      .finally(() => {
        this.queued--;
      });
  }

  private async closeServer(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.forceShutdown();
    await new Promise((r) => setImmediate(r));
  }

  private async openServer(kind: 'maintenance' | 'running', generation: number): Promise<void> {
    const ip = this.node.record.ip;
    if (!ip) return;
    const identity = kind === 'maintenance' ? await this.maintenanceIdentity() : await this.runningIdentity();
    if (!identity) {
      // A worker gets its certificate through trustd on a control plane: wait for one.
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(
        () => {
          if (generation === this.generation && this.node.up) this.set(kind, 0);
        },
        Math.max(50, this.node.scaled(2000)),
      );
      return;
    }
    if (generation !== this.generation || this.node.disposed) return;
    this.server = await startNodeServer(this.node, {
      address: `${ip}:${this.node.env.port}`,
      maintenance: kind === 'maintenance',
      cert: identity.pair,
      clientCa: identity.clientCa,
    });
  }

  private async maintenanceIdentity(): Promise<{ pair: IssuedPair; clientCa: null }> {
    this.maintenanceCert ??= await selfSignedServerCert(this.node.addresses, this.node.record.name);
    return { pair: this.maintenanceCert, clientCa: null };
  }

  private async runningIdentity(): Promise<{ pair: IssuedPair; clientCa: string } | undefined> {
    const config = this.node.config;
    if (!config) return undefined;
    const caKey = config.osCa.key || this.trustdCaKey(config.osCa.crt);
    if (!caKey) return undefined;
    const ca = await loadCa(config.osCa.crt, caKey);
    const isIp = (s: string) => /^[0-9.]+$|:/.test(s);
    const ips = [...this.node.addresses, ...config.certSans.filter(isIp)];
    const dns = [this.node.hostname, ...config.certSans.filter((s) => !isIp(s))];
    return { pair: await issueServerCert(ca, ips, dns, this.node.hostname), clientCa: config.osCa.crt };
  }

  /** The OS CA key held by a powered control plane of the same cluster. */
  private trustdCaKey(caCrt: string): string | undefined {
    return this.node.env
      .nodes()
      .find((n) => n.config?.osCa.crt === caCrt && n.config.osCa.key !== '' && n.record.phase !== 'off')
      ?.config?.osCa.key;
  }
}
