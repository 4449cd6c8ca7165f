/** A dedicated Web Worker that runs threads_check.ts there (where Atomics.wait may block) and replies with the report. */
import { checkThreads } from './threads_check.js';

self.onmessage = async (event: MessageEvent<{ repeats?: number; sweep?: boolean }>) => {
  try {
    self.postMessage(await checkThreads(event.data));
  } catch (error) {
    self.postMessage({ error: String(error) });
  }
};
