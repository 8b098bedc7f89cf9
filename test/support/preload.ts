import { sharedPglite } from "./app";

// Opening PGlite and migrating takes seconds on a loaded machine: do it once before any test
// runs, so that cost never counts against one test's timeout.
await sharedPglite();
