/**
 * A real Chromium for browser tests, driven by `playwright-core` (which downloads no browser):
 * Debian's `chromium` package (`apt-get install -y chromium`; `.ci/run` installs it), or the
 * binary named by `CONVMEM_CHROMIUM`. Browser tests never skip: without a Chromium that
 * starts, `useBrowser()` fails the file with a message saying what to install.
 *
 * `useBrowser()` launches one headless browser for the calling `describe` block; each
 * `newPage()` is a fresh context (own cookies), and every console error or uncaught page
 * error is recorded so a test can assert the page ran clean.
 */
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import { after, before } from "node:test";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";

/** Names a Chromium binary goes by on PATH, in the order tried. */
const CANDIDATES = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"];

const HOW_TO_INSTALL =
  "install Debian's chromium (apt-get install -y chromium; .ci/run does) or set CONVMEM_CHROMIUM " +
  "to a Chromium binary — the browser tests never skip";

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The Chromium binary to use: `$CONVMEM_CHROMIUM`, else the first candidate on PATH. */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  const given = env.CONVMEM_CHROMIUM;
  if (given !== undefined && given !== "") {
    if (!executable(given))
      throw new Error(`CONVMEM_CHROMIUM=${given} is not an executable file: ${HOW_TO_INSTALL}`);
    return given;
  }
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    for (const name of CANDIDATES) {
      const path = join(dir, name);
      if (dir !== "" && executable(path)) return path;
    }
  }
  throw new Error(`no Chromium found on PATH (looked for ${CANDIDATES.join(", ")}): ${HOW_TO_INSTALL}`);
}

/** Launches headless Chromium; a failure to start says which binary and what to do. */
export async function launchChromium(): Promise<Browser> {
  const executablePath = chromiumPath();
  try {
    return await chromium.launch({
      executablePath,
      headless: true,
      // Root in a container has no user namespace for Chromium's sandbox; the pages are our own.
      args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
      timeout: 30_000,
    });
  } catch (err) {
    const first = (err instanceof Error ? err.message : String(err)).split("\n")[0];
    throw new Error(`Chromium at ${executablePath} did not start (${first}): ${HOW_TO_INSTALL}`);
  }
}

/** What a page reported that a clean run never does. */
export interface PageProblems {
  readonly consoleErrors: string[];
  readonly pageErrors: string[];
}

/** The file's browser. */
export interface TestBrowser {
  /** A page in a fresh context (no cookies shared with other pages). */
  newPage(): Promise<Page & { problems: PageProblems }>;
}

/** Launches Chromium before the calling `describe` block's tests and closes it after them. */
export function useBrowser(): TestBrowser {
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    await Promise.allSettled(contexts.splice(0).map((c) => c.close()));
    await browser?.close();
  });
  return {
    async newPage() {
      if (browser === undefined) throw new Error("useBrowser: the browser starts in `before`");
      const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
      contexts.push(context);
      const page = (await context.newPage()) as Page & { problems: PageProblems };
      const problems: PageProblems = { consoleErrors: [], pageErrors: [] };
      page.on("console", (m) => {
        if (m.type() === "error") problems.consoleErrors.push(m.text());
      });
      page.on("pageerror", (e) => problems.pageErrors.push(e.message));
      page.problems = problems;
      page.setDefaultTimeout(10_000);
      return page;
    },
  };
}
