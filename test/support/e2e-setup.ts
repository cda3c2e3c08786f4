// End-to-end tests wait on real outcomes (a callback, a retry with backoff, a restarted worker);
// each wait is bounded by its own waitFor, so the test-level limit only catches a hang.
jest.setTimeout(120_000);
