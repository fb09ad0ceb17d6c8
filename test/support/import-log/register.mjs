// `node --import ./register.mjs …`: logs every module specifier resolved, one per line, to the
// file named by HK8S_IMPORT_LOG (a test reads which libraries a command loaded).
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);
