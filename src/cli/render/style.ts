/** Minimal terminal styling that respects NO_COLOR and non-TTY output. */
const enabled = () => Boolean(process.stdout.isTTY) && !process.env.NO_COLOR && process.env.TERM !== 'dumb';

function wrap(open: number, close: number) {
  return (text: string) => (enabled() ? `\u001b[${open}m${text}\u001b[${close}m` : text);
}

export const style = {
  green: wrap(32, 39),
  yellow: wrap(33, 39),
  red: wrap(31, 39),
  cyan: wrap(36, 39),
  magenta: wrap(35, 39),
  dim: wrap(2, 22),
  bold: wrap(1, 22),
};
