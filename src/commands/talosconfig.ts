import { writeFile } from 'node:fs/promises';
import { Flags } from '@oclif/core';
import { ClusterCommand } from '../cli/cluster-command.js';
import { Hk8sError } from '../errors.js';
import { talosNodes, TALOS_SECRETS } from '../plan/talos/nodes.js';
import { buildTalosconfig, issueClientCertificate, secretsFromYaml } from '../providers/talos/pki/index.js';
import { openState } from '../state/log-store.js';

export default class TalosconfigCommand extends ClusterCommand<typeof TalosconfigCommand> {
  static override summary = 'Write a talosconfig for talosctl, with a fresh os:admin client certificate.';
  static override enableJsonFlag = false;
  static override examples = [
    {
      description: 'Write it to a file (mode 0600)',
      command: '<%= config.bin %> talosconfig -o talosconfig',
    },
    {
      description: 'A certificate valid for one day',
      command: '<%= config.bin %> talosconfig -o talosconfig --hours 24',
    },
  ];

  static override flags = {
    output: Flags.string({ char: 'o', summary: 'Write to this file (created 0600) instead of stdout.' }),
    hours: Flags.integer({ summary: 'How long the client certificate is valid.', default: 8760, min: 1 }),
  };

  public async run(): Promise<void> {
    const ws = await this.workspace();
    const { state } = await openState(ws.log);
    const yaml = state.secrets[TALOS_SECRETS]?.$secret;
    if (!yaml) {
      throw new Hk8sError('state.not-found', `cluster ${ws.cluster} has no Talos secrets yet`, {
        hint: 'Run `hk8s apply` first.',
      });
    }
    const secrets = secretsFromYaml(yaml);
    const ipOf = (server: string) => state.resources[server]?.attrs.ipv4;
    const endpoints = talosNodes(ws.spec)
      .filter((n) => n.role === 'controlplane')
      .map((n) => ipOf(n.server))
      .filter((ip): ip is string => typeof ip === 'string');
    const client = await issueClientCertificate(secrets.certs.os, {
      roles: ['os:admin'],
      validityHours: this.flags.hours,
    });
    const text = buildTalosconfig({
      context: ws.cluster,
      endpoints,
      nodes: endpoints.slice(0, 1),
      ca: secrets.certs.os.crt,
      client,
    });
    if (this.flags.output) {
      await writeFile(this.flags.output, text, { mode: 0o600 });
      this.notice(`Wrote ${this.flags.output}.`);
    } else {
      process.stdout.write(text);
    }
  }
}
