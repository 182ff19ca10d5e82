#!/usr/bin/env node
// Entry point of the image and of `cngctl`: `node dist/cli/main.js <command>`.
import { buildProgram } from './program.js';

await (await buildProgram(process.argv)).parseAsync(process.argv);
