/** Rule 9: the shape of an impact — role changes, access gained and lost, memberships, builders and paid seats. */
import type { Level, ResourceType, Role } from '../model.ts';

export interface RoleChange {
  readonly userId: string;
  readonly email: string;
  readonly name: string;
  readonly from: Role;
  readonly to: Role;
}

export interface AccessChange {
  readonly userId: string;
  readonly resourceType: ResourceType;
  /** A resource id, or '*' for every resource of that type not listed in its own row for this user. */
  readonly resourceId: string;
  readonly resourceName: string;
  readonly before: Level | null;
  readonly after: Level | null;
  readonly hiddenBefore: boolean;
  readonly hiddenAfter: boolean;
  /** On a '*' row: resources a custom grant names whose access does not change. */
  readonly exceptIds?: readonly string[] | undefined;
}

export interface MembershipChange {
  readonly userId: string;
  readonly groupId: string;
  readonly groupName: string;
}

export interface Impact {
  readonly roleChanges: readonly RoleChange[];
  readonly accessChanges: readonly AccessChange[];
  /** True when accessChanges was cut at MAX_ACCESS_CHANGES rows. */
  readonly accessChangesTruncated: boolean;
  readonly membershipsAdded: readonly MembershipChange[];
  readonly membershipsRemoved: readonly MembershipChange[];
  readonly buildersBefore: number;
  readonly buildersAfter: number;
  readonly builderDelta: number;
  /**
   * Paid seats as ToolJet bills them: admins and builders who are not archived (end-users are free).
   * Builder → Admin changes no seat; Builder → End-user frees one.
   */
  readonly seatsBefore: number;
  readonly seatsAfter: number;
  readonly seatDelta: number;
  readonly usersAffected: number;
}

/** Enough rows for any dialog or review; the flag says when more changed. */
export const MAX_ACCESS_CHANGES = 1_000;
