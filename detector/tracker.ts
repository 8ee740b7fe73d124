/**
 * Kept for importers of the old module path: the tracker lives in detector/track/ now.
 * `IouTracker` is the old name of `ObjectTracker`.
 */
export { ObjectTracker, ObjectTracker as IouTracker, trackSettings, trackSettingsFromCamera, EVENT_ID_PATTERN } from './track/index.ts';
export type { FrameSize, ObjectTrackerOptions, TrackEvent, TrackEventType, TrackSettings, ZoneCounts } from './track/index.ts';
