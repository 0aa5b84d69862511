#!/usr/bin/env node
// Stand-in until the sandbox and demo land: says so plainly and fails, so nobody mistakes it for a rehearsal.
const script = process.env.npm_lifecycle_event ?? 'this script';
console.error(`npm run ${script}: not implemented yet. It arrives with the sandbox, workflows and benchmark issues.`);
process.exit(1);
