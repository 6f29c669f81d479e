/** Writes config/sunplug.schema.json from the zod config schema, so editors can check and complete config files. */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { configJsonSchema } from '../src/store/config-json-schema.ts';

const target = fileURLToPath(new URL('../config/sunplug.schema.json', import.meta.url));
writeFileSync(target, `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
process.stdout.write(`wrote ${target}\n`);
