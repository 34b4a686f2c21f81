// The Chromium the screenshot scripts drive with playwright-core (which downloads no browser):
// $CONVMEM_CHROMIUM, else Debian's `chromium` (or chromium-browser, google-chrome) on PATH.
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

export function chromiumPath() {
  if (process.env.CONVMEM_CHROMIUM) return process.env.CONVMEM_CHROMIUM;
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    for (const name of ["chromium", "chromium-browser", "google-chrome"]) {
      try {
        accessSync(join(dir, name), constants.X_OK);
        return join(dir, name);
      } catch {}
    }
  }
  throw new Error("no Chromium on PATH: apt-get install -y chromium (or set CONVMEM_CHROMIUM)");
}
