/**
 * An hk8s addon plugin to copy. It renders a Helm chart through the helm-controller hk8s runs, in its
 * own namespace. Copy the directory, rename the package and the addon, then:
 *
 *   npm install --save-dev hk8s zod typescript && npm run build
 *   hk8s plugins link .
 *   hk8s schema | grep -A5 example      # the settings are in the spec's schema
 *
 * Import only types from hk8s/addon; `z` and `kit` come with the hook's options.
 */
import type { z as Z } from 'zod';
import type { AddonDefinition, AddonHook, AddonHookOptions } from 'hk8s/addon';

function settingsSchema(z: typeof Z) {
  return z
    .strictObject({
      enabled: z.boolean().default(false).describe('Off until you turn it on'),
      version: z.string().min(1).default('1.2.3').describe('Chart version'),
      replicas: z.int().min(1).max(5).default(1),
      values: z.record(z.string(), z.unknown()).default({}).describe('Helm values, merged last'),
    })
    .describe('An example addon');
}

type Settings = Z.output<ReturnType<typeof settingsSchema>>;

function definition({ z, kit }: AddonHookOptions): AddonDefinition<Settings> {
  return {
    contract: 1,
    name: 'example',
    version: '0.1.0',
    description: 'An example Helm chart in its own namespace',
    settings: settingsSchema(z),
    dependsOn: ['helmController'],
    render: ({ settings }) => [
      kit.namespace('example'),
      kit.helmChart({
        release: 'example',
        chart: 'example',
        repo: 'https://charts.example.com',
        version: settings.version,
        targetNamespace: 'example',
        values: kit.mergeValues({ replicaCount: settings.replicas }, settings.values),
      }),
    ],
  };
}

const hook: AddonHook = async (options) => (options.contract === 1 ? [definition(options)] : []);
export default hook;
