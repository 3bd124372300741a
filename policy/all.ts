// The whole pack, layer by layer. Tests and the offline runner import this list; index.ts only
// hands it to the PolicyPack (whose constructor starts the gRPC server the CLI talks to).
import type { EnforcementLevel, Policies } from "@pulumi/policy";
import { cloudflarePolicies } from "./cloudflare";
import { hetznerPolicies } from "./hetzner";
import { k3sPolicies } from "./k3s";
import { kubernetesPolicies } from "./kubernetes";
import { leakPolicies } from "./leaks";
import { rbacPolicies } from "./rbac";
import { stackPolicies } from "./stack";

export const packName = "honeydue";
/** For a policy that names none; every policy here names its own. */
export const packEnforcementLevel: EnforcementLevel = "mandatory";

export const policies: Policies = [...hetznerPolicies, ...k3sPolicies, ...cloudflarePolicies, ...kubernetesPolicies, ...rbacPolicies, ...stackPolicies, ...leakPolicies];
