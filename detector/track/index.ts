/** The tracker's public surface (see object-tracker.ts for the lifecycle). */
export { ObjectTracker, type ObjectTrackerOptions } from './object-tracker.ts';
export { trackSettings, trackSettingsFromCamera, type TrackSettings } from './settings.ts';
export { EVENT_ID_PATTERN } from './event-id.ts';
export type { FrameSize } from './track.ts';
export type { TrackEvent, TrackEventType, ZoneCounts } from './types.ts';
