#!/usr/bin/env node
// Thin launcher: runs the TypeScript CLI through tsx so `npx backtrack ...` works after `npm ci`.
import { register } from 'tsx/esm/api';
register();
await import('../services/cli/main.ts');
