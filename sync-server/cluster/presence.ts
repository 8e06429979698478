/**
 * Presence (awareness) across instances over plain pub/sub `aw:{workspace id}`: never stored. Every
 * awareness change on a live doc here (a client's state, its removal on close) is published; what another
 * instance publishes is applied to the doc's awareness with REMOTE as origin (relayed to local peers by
 * live-doc.ts, not published again). Remote states expire after 30 s without renewal, as y-protocols does
 * (clients renew every 15 s), so the clients of a killed instance vanish within 30 s.
 */
import { applyAwarenessUpdate, encodeAwarenessUpdate } from 'y-protocols/awareness';
import type { LiveDoc } from '../sync/live-doc.ts';

const REMOTE = Symbol('remote presence');
export const presenceChannel = (workspaceId: string): string => `aw:${workspaceId}`;
export const PRESENCE_PATTERN = 'aw:*';

type Publish = (channel: string, message: string) => void;

/** Publishes the doc's awareness changes; returns the function that stops it. */
export function publishPresence(live: LiveDoc, instance: string, publish: Publish): () => void {
  const onUpdate = (
    { added, updated, removed }: { added: number[]; updated: number[]; removed: number[] },
    origin: unknown,
  ) => {
    if (origin === REMOTE) return;
    const clients = [...added, ...updated, ...removed];
    if (clients.length === 0) return;
    const bytes = encodeAwarenessUpdate(live.awareness, clients);
    publish(presenceChannel(live.workspace.id), `${instance} ${Buffer.from(bytes).toString('base64')}`);
  };
  live.awareness.on('update', onUpdate);
  return () => live.awareness.off('update', onUpdate);
}

/** A message from `aw:{id}`: applied unless it is ours or malformed. */
export function receivePresence(live: LiveDoc, instance: string, message: string): void {
  const space = message.indexOf(' ');
  if (space < 0 || message.slice(0, space) === instance) return;
  try {
    applyAwarenessUpdate(
      live.awareness,
      new Uint8Array(Buffer.from(message.slice(space + 1), 'base64')),
      REMOTE,
    );
  } catch {
    // malformed: dropped
  }
}
