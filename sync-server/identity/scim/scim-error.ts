/**
 * SCIM answers (RFC 7644 §3.12, §8.1): `application/scim+json`, errors in the SCIM Error schema with the
 * status as a string and a `scimType` where the RFC names one. Every refusal of the SCIM endpoints is a
 * ScimError; the handler turns anything else into a 500 in the same shape.
 */
import type { ServerResponse } from 'node:http';
import { sendJson } from '../../http/respond.ts';

export const SCIM_CONTENT_TYPE = 'application/scim+json; charset=utf-8';
export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

export type ScimType =
  | 'uniqueness'
  | 'invalidFilter'
  | 'invalidValue'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'noTarget'
  | 'mutability'
  | 'tooMany';

export class ScimError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly scimType?: ScimType,
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }
}

export const invalidValue = (detail: string) => new ScimError(400, detail, 'invalidValue');
export const notFound = (what: string) => new ScimError(404, `${what} not found`);

/** A SCIM answer: JSON as `application/scim+json`, or no body (204, 304). */
export function sendScim(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) return;
  if (body !== undefined) {
    sendJson(res, status, body, { 'content-type': SCIM_CONTENT_TYPE, ...headers });
    return;
  }
  res.writeHead(status, { 'x-content-type-options': 'nosniff', 'cache-control': 'no-store', ...headers });
  res.end();
}

export function errorBody(err: ScimError): Record<string, unknown> {
  return {
    schemas: [ERROR_SCHEMA],
    status: String(err.status),
    ...(err.scimType ? { scimType: err.scimType } : {}),
    detail: err.detail,
  };
}

export function sendScimError(res: ServerResponse, err: ScimError): void {
  sendScim(res, err.status, errorBody(err), err.headers);
}
