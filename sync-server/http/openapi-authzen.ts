/**
 * The AuthZEN operations' request examples in /api/openapi.json: the spec's examples in Gatehouse's
 * vocabulary (users by email, apps by slug or name, the workspace by its slug `acme`). Keyed by
 * OpenAPI path; test/sync-server/authzen.test.ts posts each one and checks the answer.
 */
const Z = '/api/workspaces/{ws}/authzen/access/v1';
const subject = { type: 'user', id: 'eve@acme.test' };

export const AUTHZEN_EXAMPLES: Readonly<Record<string, unknown>> = {
  [`${Z}/evaluation`]: {
    subject,
    resource: { type: 'app', id: 'payroll' },
    action: { name: 'view', properties: { method: 'GET' } },
    // The spec's example has a 1985 context.time; a past time is decided as of then (issue 15), and no
    // workspace has history that old, so the example asks about now.
  },
  [`${Z}/evaluations`]: {
    subject,
    action: { name: 'view' },
    evaluations: [
      { resource: { type: 'app', id: 'payroll' } },
      { resource: { type: 'app', id: 'no-such-app' } },
      { action: { name: 'edit' }, resource: { type: 'app', id: 'wiki' } },
    ],
    options: { evaluations_semantic: 'execute_all' },
  },
  [`${Z}/search/subject`]: {
    subject: { type: 'user' },
    action: { name: 'view' },
    resource: { type: 'app', id: 'payroll' },
    page: { limit: 50 },
  },
  [`${Z}/search/resource`]: {
    subject,
    action: { name: 'view' },
    resource: { type: 'app' },
  },
  [`${Z}/search/action`]: {
    subject,
    resource: { type: 'workspace', id: 'acme' },
  },
};
