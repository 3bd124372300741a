// What Cloudflare would answer for the edge, offline: the zone lookup by name. The id is derived
// from the name (32 hex characters, like a real zone id), so two runs are identical.
import { addCall, mockHash } from "./mockRegistry";

/** The zone id the lookup answers for a zone name. */
export const mockZoneId = (name: string) => mockHash(`zone/${name}`).slice(0, 32);

function getZone(inputs: Record<string, unknown>) {
    const name = (inputs.filter as { name?: string } | undefined)?.name;
    if (!name) throw new Error("offline: getZone without filter.name; the estate looks its zone up by name");
    const id = mockZoneId(name);
    return { id, zoneId: id, name, status: "active", type: "full", nameServers: ["ada.ns.cloudflare.com", "bob.ns.cloudflare.com"] };
}

addCall("cloudflare:index/getZone:getZone", getZone);
