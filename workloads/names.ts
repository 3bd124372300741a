// Names of the Kubernetes objects that the configuration also needs (adoption lists them).

/** "api.myhoneydue.com" → "api-myhoneydue-com": a DNS label for an Ingress's name. */
export const hostLabel = (host: string) => host.replace(/\./g, "-").slice(0, 63).replace(/-+$/, "");
