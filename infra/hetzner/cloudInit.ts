// What a fresh node gets at first boot, rendered from data (not a string template). Only
// first-boot hardening lives here: the k3s install is a command step, so changing this never
// needs a new server (servers ignore later userData changes; see servers.ts).
import { stringify } from "yaml";

/** Kernel settings k3s's `protect-kernel-defaults` expects to find already set (k3s hardening guide). */
export const kernelDefaults: Record<string, number> = {
    "vm.panic_on_oom": 0,
    "vm.overcommit_memory": 1,
    "kernel.panic": 10,
    "kernel.panic_on_oops": 1,
};

/** The sshd hardening, keyword → value. */
export const sshdHardening: Record<string, string> = {
    PasswordAuthentication: "no",
    KbdInteractiveAuthentication: "no",
    PermitRootLogin: "prohibit-password",
    X11Forwarding: "no",
};

/**
 * The drop-in's path. sshd keeps the first value it reads for a keyword (sshd_config(5): "For
 * each keyword, the first obtained value will be used") and Ubuntu's sshd_config includes
 * sshd_config.d/*.conf in lexical order, so the hardening must sort before cloud-init's own
 * 50-cloud-init.conf (which may say `PasswordAuthentication yes`).
 */
export const sshdDropIn = "/etc/ssh/sshd_config.d/00-honeydue.conf";

/** What the wait step checks in `sshd -T` (lower-case keyword=value, as sshd -T prints them). */
export const sshdExpected = ["PasswordAuthentication", "PermitRootLogin"].map((k) => `${k.toLowerCase()}=${sshdHardening[k]}`);

export function cloudInit(): string {
    const doc = {
        write_files: [
            {
                path: "/etc/sysctl.d/90-kubelet.conf",
                permissions: "0644",
                content: Object.entries(kernelDefaults).map(([k, v]) => `${k}=${v}\n`).join(""),
            },
            { path: sshdDropIn, permissions: "0644", content: Object.entries(sshdHardening).map(([k, v]) => `${k} ${v}\n`).join("") },
        ],
        // try-reload-or-restart: on Ubuntu 24.04 ssh.service is socket-activated and may be inactive
        // at first boot, where `reload` fails (and cloud-init reports an error); this then does nothing
        // and the next connection starts sshd with the new configuration.
        runcmd: [["sysctl", "--system"], ["systemctl", "try-reload-or-restart", "ssh"]],
    };
    return `#cloud-config\n${stringify(doc)}`;
}
