// The instrumentation profiles Eventscope ships (one file per library), compiled once; a user's
// EVENTSCOPE_MAPPINGS file adds to them (collector/profiles/loader.ts). docs/instrumentations.md lists them.
import { compileProfiles, type Profile, type ProfileSet } from './language.js';
import { bullmq } from './bullmq.js';
import { nats } from './nats.js';
import { awsSdk } from './aws-sdk.js';
import { celery } from './celery.js';
import { sidekiq } from './sidekiq.js';
import { socketIo } from './socketio.js';

export const BUILTIN_PROFILES: readonly Profile[] = [bullmq, nats, awsSdk, socketIo, celery, sidekiq];

export const BUILTIN_PROFILE_SET: ProfileSet = compileProfiles(BUILTIN_PROFILES);

export type { Profile, ProfileSet } from './language.js';
