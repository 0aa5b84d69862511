/** What the main step saves for the post step (core.saveState), as the post step reads it back. */
export interface SavedState {
  kind?: string;
  id?: string;
  finished?: string;
  rollbackOnCancel?: string;
  /** The main step's own stop (on timeout or failed checks) failed. */
  stopFailed?: string;
}

export const NOTHING_TO_DO = 'The main step left no deployment running: nothing to do.';
