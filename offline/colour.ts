// Colour on a terminal, never when piped (even under CI) unless asked: `--color` or FORCE_COLOR
// turn it on, `--no-color` or NO_COLOR turn it off (https://no-color.org, https://force-color.org).
import { createColors } from "picocolors";

type Colours = ReturnType<typeof createColors>;

/** Whether to colour, from the flag (if given), then FORCE_COLOR, NO_COLOR and the terminal. */
export function wantsColour(flag: boolean | undefined, env: NodeJS.ProcessEnv = process.env, tty = Boolean(process.stdout.isTTY)): boolean {
    if (flag !== undefined) return flag;
    const force = env.FORCE_COLOR;
    if (force !== undefined) return !["0", "false"].includes(force.toLowerCase());
    if ("NO_COLOR" in env && env.NO_COLOR !== "") return false;
    return tty;
}

/** The colours in use; `useColour` switches them for everything that renders afterwards. */
export const pc: Colours = { ...createColors(wantsColour(undefined)) };

export function useColour(on: boolean): void {
    Object.assign(pc, createColors(on));
}
