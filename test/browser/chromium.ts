/**
 * Finds and launches the Chromium the browser tests drive through playwright-core: `CHROMIUM_PATH`
 * if set, else Debian's /usr/bin/chromium. Never downloads one (`npx playwright install` is not
 * how this project gets its browser): a missing Chromium is an error that says how to install it.
 */
import { accessSync, constants } from "node:fs";
import { type Browser, chromium } from "playwright-core";

export const DEBIAN_CHROMIUM = "/usr/bin/chromium";

/** The Chromium executable, or an Error saying how to get one. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string {
  const path = env.CHROMIUM_PATH || DEBIAN_CHROMIUM;
  try {
    accessSync(path, constants.X_OK);
    return path;
  } catch {
    throw new Error(
      `Chromium not found at ${path}${env.CHROMIUM_PATH ? " (CHROMIUM_PATH)" : ""}: the explorer's browser test needs it. ` +
        "Install Debian's with `sudo apt-get install -y chromium` (.ci/run does), or set CHROMIUM_PATH to a Chromium executable.",
    );
  }
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: findChromium(),
    headless: true,
    // Root in a CI container has no user namespace for Chromium's sandbox; the pages are ours.
    args: process.getuid?.() === 0 ? ["--no-sandbox"] : [],
    timeout: 30_000,
  });
}
