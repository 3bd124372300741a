// Recorded host keys for adopted nodes in tests: a real ed25519 public key per node, the same on
// every run (the simulated tls provider's key from a seed derived from the node's name).
import { createHash } from "node:crypto";
import { bookNodes } from "../../config/infra";
import { privateKeyOutputs } from "../../rehearsal/providers/src/tls";

export function recordedHostKey(node: string): string {
    return String(privateKeyOutputs({ algorithm: "ED25519" }, createHash("sha256").update(`recorded/${node}`).digest()).publicKeyOpenssh).trim();
}

/** `honeydue:hostKeys` for the adopted servers among the book's nodes (others are left for the check to name). */
export function hostKeysFor(servers: Record<string, unknown> = {}): Record<string, string> {
    const names = bookNodes.map((n) => n.name);
    return Object.fromEntries(Object.keys(servers).filter((n) => names.includes(n)).map((n) => [n, recordedHostKey(n)]));
}
