// Cloudflare's published edge ranges (https://www.cloudflare.com/ips/), kept inside the pack so it
// stands alone when published: the default of the policies that allow web traffic from Cloudflare
// only. The program reads the live list with `cloudflare.getIpRanges`; the offline mocks answer
// with this same file, so both agree.
import published from "./cloudflare-ip-ranges.json";

export const cloudflareRanges: string[] = [...published.ipv4Cidrs, ...published.ipv6Cidrs];
