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

/** Where cloud-init writes the ed25519 host key (cloud-init cc_ssh.py `KEY_FILE_TPL`). */
export const hostKeyFile = "/etc/ssh/ssh_host_ed25519_key";

/**
 * The sshd hardening, keyword → value. `HostKey` makes sshd present only the pinned ed25519 key,
 * whatever other key files appear later (a package reconfiguration regenerates them).
 */
export const sshdHardening: Record<string, string> = {
    PasswordAuthentication: "no",
    KbdInteractiveAuthentication: "no",
    PermitRootLogin: "prohibit-password",
    X11Forwarding: "no",
    HostKey: hostKeyFile,
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

/** Also checked on a server built with a generated key: sshd presents that key and no other. */
export const sshdHostKeyExpected = `hostkey=${hostKeyFile}`;

/** The generated host key pair, in OpenSSH formats (infra/hetzner/hostKeys.ts). */
export interface CloudInitHostKey {
    privateKey: string;
    publicKey: string;
}

export function cloudInit(hostKey?: CloudInitHostKey): string {
    const doc = {
        // cloud-init cc_set_passwords: false writes `PasswordAuthentication no` to its own
        // 50-cloud-init.conf; the drop-in below says the same and wins anyway (it sorts first).
        ssh_pwauth: false,
        // cloud-init cc_ssh.py `handle`: ssh_deletekeys (default true, said here on purpose) removes
        // the image's /etc/ssh/ssh_host_*key* first; with ssh_keys given, only those are written
        // (the key generation of ssh_genkeytypes runs only without ssh_keys), so the server has the
        // pinned key and no other, before sshd first starts.
        ...(hostKey ? { ssh_deletekeys: true, ssh_keys: { ed25519_private: hostKey.privateKey, ed25519_public: hostKey.publicKey } } : {}),
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
