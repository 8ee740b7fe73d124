#!/usr/bin/env node
// Entry point: the sources are TypeScript run through tsx's loader, so there is no build step.
import { register } from 'tsx/esm/api';

register();
await import('../cli/lookout.ts');
