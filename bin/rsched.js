#!/usr/bin/env node
// Runs the TypeScript CLI through tsx's require hook, so `npx rsched` works right after `npm ci`.
require('tsx/cjs/api').register();
require('./rsched.ts');
