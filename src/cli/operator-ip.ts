/** The operator's public IPv4, asked of an echo service once per command, only when needed. */
import { Hk8sError } from '../errors.js';

const DEFAULT_ECHO = 'https://ipv4.icanhazip.com';

export async function detectOperatorIpv4(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const url = env.HK8S_IP_ECHO_URL ?? DEFAULT_ECHO;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
    const text = (await response.text()).trim();
    if (response.ok && /^\d{1,3}(\.\d{1,3}){3}$/.test(text)) return text;
    throw new Error(`unexpected answer ${response.status}`);
  } catch (error) {
    throw new Hk8sError(
      'provider.unreachable',
      `cannot find this machine's public IPv4 address (asked ${url})`,
      {
        where: 'firewall.apiSources',
        hint: 'Set firewall.apiSources (e.g. [203.0.113.7/32]) in the spec, or firewall.useCurrentIpv4: false.',
        cause: error,
      },
    );
  }
}
