/** How a pipeline finds the source's changes (`*_SYNC_CAPTURE`). */
export const CAPTURE_MODES = ['watermark', 'synthetic-cdc', 'window', 'cdc', 'watermark+cdc'] as const;
export type CaptureMode = (typeof CAPTURE_MODES)[number];

/** How a pipeline writes to the target (`*_SYNC_PUSH`). */
export const PUSH_MODES = ['direct', 'staged'] as const;
export type PushMode = (typeof PUSH_MODES)[number];

/** What a record deleted in the source becomes in the target (`*_SYNC_DELETES`). */
export const DELETE_POLICIES = ['delete', 'retire', 'ignore'] as const;
export type DeletePolicy = (typeof DELETE_POLICIES)[number];
