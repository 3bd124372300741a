// Colour only on a terminal (never when piped, even under CI), and never with NO_COLOR set.
import { createColors } from "picocolors";

export const pc = createColors(Boolean(process.stdout.isTTY) && !("NO_COLOR" in process.env));
