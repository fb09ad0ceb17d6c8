/**
 * Ctrl-C, SIGTERM or SIGHUP (a closed SSH session) during a run: the first one stops new actions
 * from starting and interrupts running ones where they wait (the log records each as interrupted),
 * a second one quits at once. Either way `hk8s resume` finishes the job, because every side effect
 * was announced in the log before it was made. Once a signal came, every later one quits with the
 * same exit code, whenever it arrives.
 */
import { ExitCode } from '../errors.js';

const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

const RUN_WORDS = {
  stopping:
    'no new actions will start; running ones stop where they wait and are recorded as interrupted. ' +
    'Press Ctrl-C again to quit now; `hk8s resume` completes the run later.',
  quitting: 'Run `hk8s resume` to finish the run.',
};

export async function withInterrupts<T>(
  notice: (text: string) => void,
  work: (signal: AbortSignal) => Promise<T>,
  /** What the signals say happens (the default is a run's: resume completes it). */
  words: { stopping: string; quitting: string } = RUN_WORDS,
): Promise<T> {
  const controller = new AbortController();
  let count = 0;
  const onSignal = (name: NodeJS.Signals) => {
    count++;
    if (count === 1) {
      notice(`\n${name}: stopping — ${words.stopping}`);
      controller.abort();
    } else {
      notice(`${name}: quitting now. ${words.quitting}`);
      process.exit(ExitCode.INTERRUPTED);
    }
  };
  for (const name of SIGNALS) process.on(name, onSignal);
  try {
    return await work(controller.signal);
  } finally {
    // After a signal the handlers stay: a second one while the summary is written still exits 130.
    if (count === 0) for (const name of SIGNALS) process.off(name, onSignal);
  }
}
