// `node --import ./test/helpers/record-loaded-modules.mjs …`: records the modules a command loads.
import { register } from 'node:module';

register('./loaded-modules-hooks.mjs', import.meta.url);
