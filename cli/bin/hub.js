#!/usr/bin/env node
// The `hub` command. The sources are TypeScript, run through tsx like the rest of the repo.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/main.ts');
process.exitCode = await main(process.argv.slice(2), process.env);
