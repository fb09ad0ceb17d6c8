import { Flags } from '@oclif/core';
import { ClusterCommand } from '../cli/cluster-command.js';
import { writeSecretFile } from '../cli/secret-file.js';
import { readKubeconfig } from '../engine/credentials.js';

export default class KubeconfigCommand extends ClusterCommand<typeof KubeconfigCommand> {
  static override summary =
    "Write the cluster's admin kubeconfig (it points at the Kubernetes API load balancer).";
  static override enableJsonFlag = false;
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

  public async run(): Promise<void> {
    const ws = await this.workspace();
    const text = await readKubeconfig(ws);
    if (this.flags.output) {
      await writeSecretFile(this.flags.output, text, 'kubeconfig');
      this.notice(`Wrote ${this.flags.output}.`);
    } else {
      process.stdout.write(text);
    }
  }
}
