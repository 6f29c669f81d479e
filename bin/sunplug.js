#!/usr/bin/env node
// Sunplug runs its TypeScript sources directly through tsx's loader: no build step between a clone and `npm start`.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../src/cli/main.ts');
process.exitCode = await runCli(process.argv.slice(2));
