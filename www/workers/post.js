// How the training worker answers the page: every message goes through `post`, every
// failure through `fail` (with its code and numbers, for the page to word).
import { fromWorker } from './protocol.js';

export const post = (msg, transfer = []) => self.postMessage(msg, transfer);
export const fail = (where, e, id) => post(fromWorker.error(where, e, id));
