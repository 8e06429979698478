/**
 * The history worker thread (history-runner.ts starts it): runs one job at a time (history-jobs.ts) on
 * what the server read from storage, and answers with the reply body — or the ApiError it raised, by code.
 */
import { parentPort } from 'node:worker_threads';
import { ApiError } from '../http/respond.ts';
import { type JobInputs, type JobKind, runJob } from './history-jobs.ts';

export interface JobRequest {
  readonly id: number;
  readonly kind: JobKind;
  readonly workspaceId: string;
  readonly input: JobInputs[JobKind];
}

export type JobReply =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | {
      readonly id: number;
      readonly ok: false;
      readonly error: { code: ApiError['code'] | null; message: string; details?: unknown };
    };

function answer(req: JobRequest): JobReply {
  try {
    return { id: req.id, ok: true, value: runJob(req.kind, req.workspaceId, req.input) };
  } catch (err) {
    if (err instanceof ApiError)
      return { id: req.id, ok: false, error: { code: err.code, message: err.message, details: err.details } };
    return { id: req.id, ok: false, error: { code: null, message: String((err as Error)?.stack ?? err) } };
  }
}

parentPort?.on('message', (req: JobRequest) => parentPort!.postMessage(answer(req)));
parentPort?.postMessage({ ready: true });
