import { Flags } from '@oclif/core';
import { ClusterCommand, replaceFlag, targetFlag } from '../cli/cluster-command.js';
import { planCluster } from '../engine/session.js';
import { toDot, toMermaid } from '../plan/graph.js';
import type { GraphJson } from '../cli/json-contract.js';

export default class GraphCommand extends ClusterCommand<typeof GraphCommand> {
  static override summary = "Print the plan's action graph as DOT or Mermaid.";
  static override examples = [
    { description: 'Render with Graphviz', command: '<%= config.bin %> graph | dot -Tsvg > plan.svg' },
    { description: 'Mermaid, for a Markdown page', command: '<%= config.bin %> graph --format mermaid' },
    { description: 'The destroy order', command: '<%= config.bin %> graph --destroy' },
    { description: 'The actions and their dependencies as JSON', command: '<%= config.bin %> graph --json' },
  ];

  static override flags = {
    format: Flags.string({ summary: 'Output format.', options: ['dot', 'mermaid'], default: 'dot' }),
    destroy: Flags.boolean({ summary: 'Graph the destroy plan.' }),
    target: targetFlag,
    replace: replaceFlag,
  };

  public async run(): Promise<GraphJson> {
    const ws = await this.workspace();
    const { plan } = await planCluster(
      ws,
      await this.provider(ws),
      {
        command: this.flags.destroy ? 'destroy' : 'apply',
        targets: this.flags.target,
        replace: this.flags.replace,
      },
      this.engineEvents,
    );
    if (!this.jsonEnabled()) {
      process.stdout.write(this.flags.format === 'mermaid' ? toMermaid(plan.graph) : toDot(plan.graph));
    }
    return {
      cluster: plan.cluster,
      actions: plan.graph.actions.map((a) => ({
        id: a.id,
        kind: a.kind,
        address: a.address,
        dependsOn: [...a.dependsOn],
      })),
    };
  }
}
