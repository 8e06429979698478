/**
 * The one-step re-apply of a conflict's intended change, where the repair undid something an admin meant.
 * The policy (which command re-applies which conflict) is core's `reapplyCommand`, next to `repair`.
 */
export { reapplyCommand } from '../../../../core/index.ts';
