import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { AddonDefinition, AddonHook } from '../../../src/addon/index.js';
import { buildRegistry, describeProblem } from '../../../src/addons/registry.js';
import { answersOf, firstPartyRegistry, HOOK_OPTIONS } from '../../support/first-party-addons.js';

function addon(overrides: Partial<AddonDefinition> & Record<string, unknown> = {}): AddonDefinition {
  return {
    contract: 1,
    name: 'example',
    version: '1.0.0',
    description: 'an example',
    settings: z.object({ enabled: z.boolean().default(true) }),
    render: () => [],
    ...overrides,
  } as AddonDefinition;
}

const hookOf =
  (...definitions: unknown[]): AddonHook =>
  async () =>
    definitions as AddonDefinition[];

describe('the addon registry', () => {
  it('loads every first-party addon', async () => {
    const registry = await firstPartyRegistry();
    expect(registry.problems).toEqual([]);
    expect(registry.addons.map((a) => a.definition.name)).toEqual([
      'certManager',
      'cilium',
      'gatewayApiCrds',
      'hcloudCcm',
      'hcloudCsi',
      'helmController',
      'ingressNginx',
      'longhorn',
      'metricsServer',
      'rbac',
      'talosBackup',
      'talosCcm',
    ]);
  });

  it.each([
    ['a hook that throws', async () => Promise.reject(new Error('boom')), /hook failed: boom/],
    ['a hook that returns no list', async () => ({}) as never, /must return a list/],
    ['another contract version', hookOf(addon({ contract: 2 as never })), /contract 2, hk8s speaks 1/],
    ['a bad name', hookOf(addon({ name: 'Bad_Name' })), /name "Bad_Name" must match/],
    ['no render', hookOf(addon({ render: undefined as never })), /render must be a function/],
    [
      'a schema from no zod',
      hookOf(addon({ settings: { parse: () => ({}) } as never })),
      /must be a zod schema/,
    ],
    [
      'a schema that rejects {}',
      hookOf(addon({ settings: z.object({ enabled: z.boolean(), x: z.string() }) })),
      /rejects \{\}/,
    ],
    [
      'a schema without enabled',
      hookOf(addon({ settings: z.object({ x: z.string().default('') }) as never })),
      /boolean enabled/,
    ],
    [
      'a bad secret',
      hookOf(addon({ secrets: [{ name: 'k', bytes: 2, encoding: 'hex' }] })),
      /bytes must be an integer from 8 to 512/,
    ],
    ['a bad provides', hookOf(addon({ provides: ['dns'] as never })), /provides must list/],
  ])('reports %s by plugin name and loads the rest', async (_case, hook, message) => {
    const answers = [
      ...(await answersOf({ 'acme-broken': hook as AddonHook }, false)),
      ...(await answersOf({ 'acme-good': hookOf(addon({ name: 'good' })) }, false)),
    ];
    const registry = buildRegistry(answers);
    expect(registry.addons.map((a) => a.definition.name)).toEqual(['good']);
    expect(registry.problems).toHaveLength(1);
    expect(registry.problems[0]?.plugin).toBe('acme-broken');
    expect(registry.problems[0]?.message).toMatch(message);
    expect(describeProblem(registry.problems[0]!)).toMatch(/acme-broken.* skipped: /);
  });

  it('keeps a first-party name against a user plugin that claims it too', async () => {
    const registry = await firstPartyRegistry({ 'acme-cilium': hookOf(addon({ name: 'cilium' })) });
    expect(registry.addons.find((a) => a.definition.name === 'cilium')?.plugin).toBe('@hk8s/addon-cilium');
    expect(registry.problems).toEqual([
      {
        plugin: 'acme-cilium',
        addon: 'cilium',
        message: 'addon cilium is already provided by @hk8s/addon-cilium',
      },
    ]);
  });

  it('between two user plugins, the first by name keeps the name', async () => {
    const answers = await answersOf(
      { 'b-plugin': hookOf(addon({ name: 'same' })), 'a-plugin': hookOf(addon({ name: 'same' })) },
      false,
    );
    const registry = buildRegistry(answers);
    expect(registry.addons.map((a) => a.plugin)).toEqual(['a-plugin']);
    expect(registry.problems.map((p) => p.plugin)).toEqual(['b-plugin']);
  });

  it('hands the hook the host zod and kit', async () => {
    let seen: unknown;
    await answersOf({ probe: async (options) => ((seen = options), []) }, false);
    expect(seen).toBe(HOOK_OPTIONS);
  });
});
