import { Flags } from '@oclif/core';
import { ClusterCommand } from '../cli/cluster-command.js';
import { writeSecretFile } from '../cli/secret-file.js';
import { readKubeconfig } from '../engine/credentials.js';
import type { KubeconfigJson } from '../cli/json-contract.js';
import { parse } from 'yaml';

export default class KubeconfigCommand extends ClusterCommand<typeof KubeconfigCommand> {
  static override summary =
    "Write the cluster's admin kubeconfig (it points at the Kubernetes API load balancer).";
  static override examples = [
    { description: 'Write it to a file (mode 0600)', command: '<%= config.bin %> kubeconfig -o kubeconfig' },
    { description: 'Then use it', command: 'kubectl --kubeconfig kubeconfig get nodes' },
  ];

  static override flags = {
    output: Flags.string({
      char: 'o',
      summary: 'Write to this file (mode 0600, also when it exists) instead of stdout.',
    }),
  };

  public async run(): Promise<KubeconfigJson> {
    const ws = await this.workspace();
    const text = await readKubeconfig(ws);
    const server = serverOf(text);
    if (this.flags.output) {
      await writeSecretFile(this.flags.output, text, 'kubeconfig');
      this.notice(`Wrote ${this.flags.output}.`);
      return { server, path: this.flags.output };
    }
    if (!this.jsonEnabled()) process.stdout.write(text);
    return { server, kubeconfig: text };
  }
}

function serverOf(text: string): string | null {
  const parsed = parse(text) as { clusters?: Array<{ cluster?: { server?: unknown } }> } | null;
  const server = parsed?.clusters?.[0]?.cluster?.server;
  return typeof server === 'string' ? server : null;
}
