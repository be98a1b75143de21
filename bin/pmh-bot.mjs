#!/usr/bin/env node
// The pmh-bot command. The TypeScript sources run as they are through tsx's loader
// (see README, "Development"): no build step, so what runs is what was reviewed.
import { register } from 'tsx/esm/api';

register();
await import('../bot/cli.ts');
