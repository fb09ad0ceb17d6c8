import { Flags } from '@oclif/core';
import { ClusterCommand, parallelismFlag } from '../cli/cluster-command.js';
import { acceptEndpointFlag } from '../cli/target-flags.js';
import { applyCluster } from '../engine/session.js';
import type { ApplyJson } from '../cli/json-contract.js';

export default class DestroyCommand extends ClusterCommand<typeof DestroyCommand> {
  static override summary = 'Delete everything hk8s owns in this cluster.';
  static override description =
    "Deletes, in reverse order of need, every object that carries this cluster's hk8s labels: servers, load " +
    'balancers, placement groups, the firewall, the SSH key, subnets and the network. Delete-protected objects ' +
    '(`cluster.deleteProtection: true`) are refused, naming them, until the spec sets it to false. ' +
    "Volumes are kept unless --include-volumes; Talos images, shared by the project's clusters, unless --include-images (and then only those no other cluster's server boots from). Objects without the cluster's labels are never touched.";

  static override examples = [
    { description: 'Plan, confirm and destroy', command: '<%= config.bin %> destroy' },
    {
      description: "Also delete the cluster's volumes",
      command: '<%= config.bin %> destroy --include-volumes',
    },
    {
      description: 'Also delete the Talos images no other cluster uses',
      command: '<%= config.bin %> destroy --include-images',
    },
    { description: 'Without asking', command: '<%= config.bin %> destroy --auto-approve' },
  ];

  static override flags = {
    'auto-approve': Flags.boolean({ summary: 'Do not ask for confirmation.' }),
    'include-volumes': Flags.boolean({ summary: 'Also delete volumes labelled with this cluster.' }),
    'include-images': Flags.boolean({
      summary: "Also delete the spec's Talos images, unless a server of another cluster boots from one.",
    }),
    parallelism: parallelismFlag,
    'accept-endpoint': acceptEndpointFlag,
  };

  public async run(): Promise<ApplyJson> {
    const outcome = await this.changeCluster((ws, provider, signal) =>
      applyCluster(
        ws,
        provider,
        {
          command: 'destroy',
          includeVolumes: this.flags['include-volumes'],
          includeImages: this.flags['include-images'],
          parallelism: this.flags.parallelism,
          acceptEndpoint: this.flags['accept-endpoint'],
          signal,
        },
        this.applyHooks(
          this.flags['auto-approve'],
          (plan) =>
            `Destroy cluster ${plan.cluster} (${plan.summary.delete} objects)? This cannot be undone.`,
        ),
      ),
    );
    return this.reportApply(outcome, 'not confirmed: destroy cancelled, nothing was changed');
  }
}
