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

const sshd = ["PasswordAuthentication no", "KbdInteractiveAuthentication no", "PermitRootLogin prohibit-password", "X11Forwarding no"];

export function cloudInit(): string {
    const doc = {
        write_files: [
            {
                path: "/etc/sysctl.d/90-kubelet.conf",
                permissions: "0644",
                content: Object.entries(kernelDefaults).map(([k, v]) => `${k}=${v}\n`).join(""),
            },
            { path: "/etc/ssh/sshd_config.d/90-honeydue.conf", permissions: "0644", content: sshd.map((l) => `${l}\n`).join("") },
        ],
        runcmd: [["sysctl", "--system"], ["systemctl", "reload", "ssh"]],
    };
    return `#cloud-config\n${stringify(doc)}`;
}
