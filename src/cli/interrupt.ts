/**
 * Ctrl-C during a run: the first one stops new actions from starting and lets running ones end
 * (the log records what happened), the second one quits at once. Either way `hk8s resume`
 * finishes the job, because every side effect was announced in the log before it was made.
 */
import { ExitCode } from '../errors.js';

export async function withInterrupts<T>(
  notice: (text: string) => void,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  let count = 0;
  const onSignal = (name: NodeJS.Signals) => {
    count++;
    if (count === 1) {
      notice(
        `\n${name}: stopping — no new actions will start; running ones are finishing. ` +
          'Press Ctrl-C again to quit now; `hk8s resume` completes the run later.',
      );
      controller.abort();
    } else {
      notice(`${name}: quitting now. Run \`hk8s resume\` to finish the run.`);
      process.exit(ExitCode.INTERRUPTED);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await work(controller.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
