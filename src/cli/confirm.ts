/** Asking before changing a cluster. With no terminal to ask on, the answer is no. */
import { createInterface } from 'node:readline/promises';
import { Hk8sError } from '../errors.js';

export async function confirmOrRefuse(question: string, autoApprove: boolean): Promise<boolean> {
  if (autoApprove) return true;
  if (!process.stdin.isTTY) {
    throw new Hk8sError(
      'run.not-confirmed',
      'refusing to change the cluster without confirmation: no terminal to ask on',
      {
        hint: 'Review the plan, then run again with --auto-approve.',
      },
    );
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${question} Only 'yes' will be accepted: `);
    return answer.trim() === 'yes';
  } finally {
    rl.close();
  }
}
