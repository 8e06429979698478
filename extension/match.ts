/**
 * Which app of a cached summary a page belongs to: core's `matchApp` over the summary's apps, the same
 * rule and tie-break (older app, then smaller id) the server uses. The app sites to allow come from core's
 * `originPatterns` (background/popup-state.ts), built on the same pattern parser.
 */
import { matchApp } from '../core/access/match-app.ts';
import type { AccessSummary, AppSummary } from './summary.ts';

export function matchSummaryApp(summary: AccessSummary, url: string): AppSummary | null {
  return matchApp(summary.apps, url);
}
